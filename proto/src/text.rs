// SPDX-License-Identifier: LGPL-2.1-or-later
//! Messages that quote input stay readable: [`bounded`] cuts every long
//! value a message carries, wherever the message was made (a check of ours,
//! libvirt, the guest's init), so a 120 kB bad value gives a line of a few
//! hundred bytes that still says what is wrong.

use std::borrow::Cow;

/// How many characters of one value a message quotes.
pub const VALUE_MAX: usize = 200;

/// The longest run left whole: a value already cut to [`VALUE_MAX`] (with
/// its `...`) by the check that quoted it is not cut again.
const RUN_MAX: usize = VALUE_MAX + 56;

/// How many characters a whole message keeps (values with many short words
/// are not cut by [`VALUE_MAX`]); its beginning and its end are kept.
pub const MESSAGE_MAX: usize = 800;

/// `message` with each run of more than [`RUN_MAX`] characters without a
/// space or a quote (a path, a name, a value: prose has no such words) cut
/// to its first [`VALUE_MAX`] and the count of the rest, and then, if it is
/// still longer than [`MESSAGE_MAX`] characters, its middle left out.
pub fn bounded(message: &str) -> Cow<'_, str> {
    if message.len() <= RUN_MAX {
        return Cow::Borrowed(message);
    }
    let mut out = String::new();
    let mut run_start = 0;
    let mut run_chars = 0;
    let mut cut = false;
    for (i, c) in message.char_indices() {
        if c.is_whitespace() || c == '\'' || c == '"' {
            cut |= push_run(&mut out, &message[run_start..i], run_chars);
            out.push(c);
            run_start = i + c.len_utf8();
            run_chars = 0;
        } else {
            run_chars += 1;
        }
    }
    cut |= push_run(&mut out, &message[run_start..], run_chars);
    let chars = out.chars().count();
    if chars > MESSAGE_MAX {
        let head: String = out.chars().take(MESSAGE_MAX / 2).collect();
        let tail: String = out.chars().skip(chars - MESSAGE_MAX / 4).collect();
        let left_out = out.len() - head.len() - tail.len();
        return Cow::Owned(format!("{head}... ({left_out} more bytes) ...{tail}"));
    }
    if cut {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(message)
    }
}

/// Appends `run` (of `chars` characters), cut to [`VALUE_MAX`] characters
/// if it has more than [`RUN_MAX`]; whether it was cut.
fn push_run(out: &mut String, run: &str, chars: usize) -> bool {
    if chars <= RUN_MAX {
        out.push_str(run);
        return false;
    }
    let end = run
        .char_indices()
        .nth(VALUE_MAX)
        .map_or(run.len(), |(i, _)| i);
    out.push_str(&run[..end]);
    out.push_str(&format!("... ({} more bytes)", run.len() - end));
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_messages_are_unchanged() {
        let m = "invalid mount 'ram:/mnt=1M': the target '/mnt' is taken";
        assert!(matches!(bounded(m), Cow::Borrowed(_)));
        let prose = "word ".repeat(100);
        assert_eq!(bounded(&prose), prose);
    }

    #[test]
    fn a_long_value_is_cut_and_the_explanation_kept() {
        let path = format!("/{}", "x".repeat(120_000));
        for m in [
            format!("host-bind:/mnt={path}: No such file or directory"),
            format!("disk 't' ({path}): the image '{path}' does not exist"),
            format!("cannot execute '{path}': ENOENT"),
        ] {
            let b = bounded(&m);
            assert!(b.len() < 1000, "{}", b.len());
            assert!(b.contains("more bytes)"), "{b}");
            let end = m.rsplit(['\'', ' ']).next().unwrap();
            assert!(b.ends_with(end), "{b}");
        }
    }

    #[test]
    fn a_value_cut_by_its_check_is_not_cut_again() {
        let m = format!(
            "invalid mount 'ram:{}... (119800 more bytes)': no",
            "x".repeat(196)
        );
        assert_eq!(bounded(&m), m);
    }

    #[test]
    fn many_short_words_are_cut_in_the_middle() {
        let m = format!("invalid label 'a{}': use USER:ROLE", " a".repeat(60_000));
        let b = bounded(&m);
        assert!(b.chars().count() < MESSAGE_MAX + 40, "{}", b.len());
        assert!(b.starts_with("invalid label 'a a"), "{b}");
        assert!(b.ends_with("': use USER:ROLE"), "{b}");
    }

    #[test]
    fn multibyte_characters_are_never_split() {
        let m = format!("name '{}' {}", "é".repeat(500), "ü".repeat(3000));
        let b = bounded(&m);
        assert!(
            b.contains(&format!("'{}... (600 more bytes)'", "é".repeat(VALUE_MAX))),
            "{b}"
        );
        assert!(b.chars().count() < MESSAGE_MAX + 40);
    }
}
