// SPDX-License-Identifier: LGPL-2.1-or-later
//! The DHCP client built into the init, for `-N dhcp` on a sandbox whose
//! root has no udhcpc (busybox's or a stand-alone one, which stays the
//! first choice): DISCOVER, OFFER, REQUEST, ACK (RFC 2131) over a UDP
//! socket on port 68 bound to the interface, with the broadcast flag set so
//! that the server's answers reach an interface without an address yet.
//!
//! There is no lease renewal: a sandbox lives for one command, far shorter
//! than a lease; a long or infinite lease is taken as it is.
//!
//! [`discover`], [`request`] and [`parse_reply`] are pure (bytes in, bytes
//! or a lease out); [`obtain`] does the network exchange.

use std::hash::{BuildHasher, Hasher};
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::time::{Duration, Instant};

/// The fixed BOOTP header (RFC 2131 section 2) up to the options.
const HEADER_LEN: usize = 236;
const MAGIC: [u8; 4] = [99, 130, 83, 99];
/// BOOTP's minimum message size, which some servers and relays expect.
const MIN_LEN: usize = 300;

const BOOTREQUEST: u8 = 1;
const BOOTREPLY: u8 = 2;

const OPT_PAD: u8 = 0;
const OPT_SUBNET_MASK: u8 = 1;
const OPT_ROUTER: u8 = 3;
const OPT_DNS: u8 = 6;
const OPT_DOMAIN: u8 = 15;
const OPT_BROADCAST: u8 = 28;
const OPT_REQUESTED_IP: u8 = 50;
const OPT_LEASE_TIME: u8 = 51;
const OPT_MESSAGE_TYPE: u8 = 53;
const OPT_SERVER_ID: u8 = 54;
const OPT_PARAMETERS: u8 = 55;
const OPT_CLIENT_ID: u8 = 61;
const OPT_END: u8 = 255;

const DHCPDISCOVER: u8 = 1;
const DHCPOFFER: u8 = 2;
const DHCPREQUEST: u8 = 3;
const DHCPACK: u8 = 5;
const DHCPNAK: u8 = 6;

/// How long to wait for an answer after each send of one message: three
/// tries over about 10 s, as udhcpc's series does.
pub const WAITS: [Duration; 3] = [
    Duration::from_secs(2),
    Duration::from_secs(3),
    Duration::from_secs(5),
];

/// What a server offers or acknowledges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub address: Ipv4Addr,
    /// From the subnet mask (option 1); 24 without one, as the udhcpc
    /// script assumes.
    pub prefix: u8,
    pub broadcast: Option<Ipv4Addr>,
    pub routers: Vec<Ipv4Addr>,
    pub dns: Vec<Ipv4Addr>,
    pub domain: Option<String>,
    /// Seconds (option 51; `u32::MAX` is infinite). Not renewed.
    pub lease_time: Option<u32>,
    pub server: Option<Ipv4Addr>,
}

/// A server's answer to this client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Offer(Lease),
    Ack(Lease),
    Nak,
}

fn message(kind: u8, xid: u32, mac: [u8; 6], extra: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let mut p = vec![0u8; HEADER_LEN];
    p[0] = BOOTREQUEST;
    p[1] = 1; // Ethernet
    p[2] = 6;
    p[4..8].copy_from_slice(&xid.to_be_bytes());
    // Broadcast flag: the interface has no address to unicast to yet.
    p[10] = 0x80;
    p[28..34].copy_from_slice(&mac);
    p.extend_from_slice(&MAGIC);
    let mut client_id = vec![1u8];
    client_id.extend_from_slice(&mac);
    let options = [
        (OPT_MESSAGE_TYPE, vec![kind]),
        (OPT_CLIENT_ID, client_id),
        (
            OPT_PARAMETERS,
            vec![
                OPT_SUBNET_MASK,
                OPT_ROUTER,
                OPT_DNS,
                OPT_DOMAIN,
                OPT_BROADCAST,
                OPT_LEASE_TIME,
                OPT_SERVER_ID,
            ],
        ),
    ];
    for (code, value) in options.iter().chain(extra) {
        p.push(*code);
        p.push(value.len() as u8);
        p.extend_from_slice(value);
    }
    p.push(OPT_END);
    if p.len() < MIN_LEN {
        p.resize(MIN_LEN, OPT_PAD);
    }
    p
}

/// A DHCPDISCOVER from `mac`.
pub fn discover(xid: u32, mac: [u8; 6]) -> Vec<u8> {
    message(DHCPDISCOVER, xid, mac, &[])
}

/// A DHCPREQUEST for the address `offer` offered (selecting state: the
/// server identifier names the server chosen).
pub fn request(xid: u32, mac: [u8; 6], offer: &Lease) -> Vec<u8> {
    let mut extra = vec![(OPT_REQUESTED_IP, offer.address.octets().to_vec())];
    if let Some(server) = offer.server {
        extra.push((OPT_SERVER_ID, server.octets().to_vec()));
    }
    message(DHCPREQUEST, xid, mac, &extra)
}

fn addresses(value: &[u8]) -> Result<Vec<Ipv4Addr>, String> {
    if value.is_empty() || !value.len().is_multiple_of(4) {
        return Err(format!("an address list of {} bytes", value.len()));
    }
    Ok(value
        .chunks_exact(4)
        .map(|c| Ipv4Addr::new(c[0], c[1], c[2], c[3]))
        .collect())
}

fn address(value: &[u8]) -> Result<Ipv4Addr, String> {
    match value {
        [a, b, c, d] => Ok(Ipv4Addr::new(*a, *b, *c, *d)),
        _ => Err(format!("an address of {} bytes", value.len())),
    }
}

/// The prefix length of a contiguous subnet mask.
fn prefix_of(mask: Ipv4Addr) -> Result<u8, String> {
    let bits = u32::from(mask);
    let ones = bits.leading_ones();
    if bits.checked_shl(ones).unwrap_or(0) != 0 {
        return Err(format!("a non-contiguous subnet mask {mask}"));
    }
    Ok(ones as u8)
}

/// Parses a server's message: `Ok(None)` when it is not for this client
/// (another transaction, another MAC, a request), an error when it is
/// malformed.
pub fn parse_reply(packet: &[u8], xid: u32, mac: [u8; 6]) -> Result<Option<Reply>, String> {
    if packet.len() < HEADER_LEN + MAGIC.len() {
        return Err(format!("a {}-byte message is too short", packet.len()));
    }
    if packet[0] != BOOTREPLY || packet[4..8] != xid.to_be_bytes() || packet[28..34] != mac {
        return Ok(None);
    }
    if packet[HEADER_LEN..HEADER_LEN + 4] != MAGIC {
        return Err("no DHCP magic cookie".to_owned());
    }
    let yiaddr = address(&packet[16..20])?;
    let mut lease = Lease {
        address: yiaddr,
        prefix: 24,
        broadcast: None,
        routers: Vec::new(),
        dns: Vec::new(),
        domain: None,
        lease_time: None,
        server: None,
    };
    let mut kind = None;
    let mut options = &packet[HEADER_LEN + 4..];
    // Options that run out without an end option are tolerated.
    while let Some((&code, rest)) = options.split_first() {
        match code {
            OPT_PAD => {
                options = rest;
                continue;
            }
            OPT_END => break,
            _ => {}
        }
        let Some((&len, rest)) = rest.split_first() else {
            return Err(format!("option {code} has no length"));
        };
        let len = usize::from(len);
        if rest.len() < len {
            return Err(format!("option {code} overruns the message"));
        }
        let (value, rest) = rest.split_at(len);
        options = rest;
        let bad = |e: String| format!("option {code} holds {e}");
        match code {
            OPT_MESSAGE_TYPE => match value {
                [k] => kind = Some(*k),
                _ => return Err(bad(format!("{len} bytes"))),
            },
            OPT_SUBNET_MASK => lease.prefix = prefix_of(address(value).map_err(bad)?)?,
            OPT_ROUTER => lease.routers = addresses(value).map_err(bad)?,
            OPT_DNS => lease.dns = addresses(value).map_err(bad)?,
            OPT_BROADCAST => lease.broadcast = Some(address(value).map_err(bad)?),
            OPT_SERVER_ID => lease.server = Some(address(value).map_err(bad)?),
            OPT_LEASE_TIME => match value {
                [a, b, c, d] => lease.lease_time = Some(u32::from_be_bytes([*a, *b, *c, *d])),
                _ => return Err(bad(format!("{len} bytes"))),
            },
            OPT_DOMAIN => {
                let domain = std::str::from_utf8(value)
                    .map_err(|_| bad("a domain that is not text".to_owned()))?
                    .trim_end_matches('\0');
                if domain.is_empty() || !domain.bytes().all(|b| b.is_ascii_graphic()) {
                    return Err(bad(format!("the domain {domain:?}")));
                }
                lease.domain = Some(domain.to_owned());
            }
            _ => {}
        }
    }
    match kind {
        Some(DHCPOFFER) | Some(DHCPACK) if lease.address.is_unspecified() => {
            Err("an offer of the address 0.0.0.0".to_owned())
        }
        Some(DHCPOFFER) => Ok(Some(Reply::Offer(lease))),
        Some(DHCPACK) => Ok(Some(Reply::Ack(lease))),
        Some(DHCPNAK) => Ok(Some(Reply::Nak)),
        Some(_) => Ok(None),
        None => Err("no DHCP message type".to_owned()),
    }
}

/// Parses `aa:bb:cc:dd:ee:ff`.
pub fn parse_mac(mac: &str) -> Result<[u8; 6], String> {
    let mut out = [0u8; 6];
    let mut parts = mac.split(':');
    for byte in &mut out {
        *byte = parts
            .next()
            .and_then(|p| u8::from_str_radix(p, 16).ok())
            .ok_or_else(|| format!("bad MAC address {mac}"))?;
    }
    if parts.next().is_some() {
        return Err(format!("bad MAC address {mac}"));
    }
    Ok(out)
}

/// A random transaction id (std's hasher keys come from the kernel's
/// random source).
fn random_xid() -> u32 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0),
    );
    h.finish() as u32
}

/// A UDP socket on 0.0.0.0:68 bound to `interface`, allowed to broadcast.
fn client_socket(interface: &str) -> Result<UdpSocket, String> {
    use nix::sys::socket::{
        AddressFamily, SockFlag, SockType, SockaddrIn, bind, setsockopt, socket, sockopt,
    };
    let fd = socket(
        AddressFamily::Inet,
        SockType::Datagram,
        SockFlag::SOCK_CLOEXEC,
        None,
    )
    .map_err(|e| format!("cannot create a UDP socket: {e}"))?;
    setsockopt(&fd, sockopt::ReuseAddr, &true)
        .and_then(|()| setsockopt(&fd, sockopt::Broadcast, &true))
        .and_then(|()| setsockopt(&fd, sockopt::BindToDevice, &interface.into()))
        .map_err(|e| format!("cannot set up a DHCP socket on {interface}: {e}"))?;
    bind(
        std::os::fd::AsRawFd::as_raw_fd(&fd),
        &SockaddrIn::from(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 68)),
    )
    .map_err(|e| format!("cannot bind UDP port 68 on {interface}: {e}"))?;
    Ok(UdpSocket::from(fd))
}

/// Sends `packet` and waits for the first reply of this transaction that
/// `accept` takes, resending after each of [`WAITS`]; `None` when none
/// came.
fn exchange<T>(
    socket: &UdpSocket,
    packet: &[u8],
    xid: u32,
    mac: [u8; 6],
    accept: impl Fn(Reply) -> Option<T>,
) -> Result<Option<T>, String> {
    let to = SocketAddrV4::new(Ipv4Addr::BROADCAST, 67);
    let mut buf = [0u8; 1500];
    for wait in WAITS {
        socket
            .send_to(packet, to)
            .map_err(|e| format!("cannot send a DHCP message: {e}"))?;
        let deadline = Instant::now() + wait;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            if left.is_zero() {
                break;
            }
            socket
                .set_read_timeout(Some(left))
                .map_err(|e| format!("cannot wait on the DHCP socket: {e}"))?;
            let n = match socket.recv(&mut buf) {
                Ok(n) => n,
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock
                            | std::io::ErrorKind::TimedOut
                            | std::io::ErrorKind::Interrupted
                    ) =>
                {
                    continue;
                }
                Err(e) => return Err(format!("cannot receive DHCP messages: {e}")),
            };
            // Malformed messages, or others' traffic, are skipped.
            if let Ok(Some(reply)) = parse_reply(&buf[..n], xid, mac)
                && let Some(t) = accept(reply)
            {
                return Ok(Some(t));
            }
        }
    }
    Ok(None)
}

/// Gets a lease for `interface` (MAC `mac`), on the libvirt network
/// `network` (for messages): an offer, then its acknowledgement.
pub fn obtain(interface: &str, mac: [u8; 6], network: &str) -> Result<Lease, String> {
    let socket = client_socket(interface)?;
    let xid = random_xid();
    let total: u64 = WAITS.iter().map(Duration::as_secs).sum();
    let no_answer = |what: &str| {
        format!(
            "DHCP on {interface} got no lease: no DHCP server answered the {what} on \
             libvirt network '{network}' in {total} s: give the network a <dhcp> range \
             ('virsh net-dumpxml {network}' shows its <ip>) or the interface a static \
             address=IP/PREFIX instead of dhcp"
        )
    };
    let offer = exchange(&socket, &discover(xid, mac), xid, mac, |r| match r {
        Reply::Offer(l) => Some(l),
        _ => None,
    })?
    .ok_or_else(|| no_answer("DHCPDISCOVER"))?;
    let ack = exchange(&socket, &request(xid, mac, &offer), xid, mac, |r| match r {
        Reply::Ack(l) => Some(Ok(l)),
        Reply::Nak => Some(Err(())),
        Reply::Offer(_) => None,
    })?
    .ok_or_else(|| no_answer("DHCPREQUEST"))?
    .map_err(|()| {
        format!(
            "DHCP on {interface} got no lease: the server on libvirt network '{network}' \
             refused (DHCPNAK) the address {} it offered",
            offer.address
        )
    })?;
    Ok(ack)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAC: [u8; 6] = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
    const XID: u32 = 0xdead_beef;

    /// A server's reply as dnsmasq sends it.
    fn reply(kind: u8, xid: u32, options: &[u8]) -> Vec<u8> {
        let mut p = vec![0u8; HEADER_LEN];
        p[0] = BOOTREPLY;
        p[1] = 1;
        p[2] = 6;
        p[4..8].copy_from_slice(&xid.to_be_bytes());
        p[16..20].copy_from_slice(&[192, 168, 251, 150]);
        p[20..24].copy_from_slice(&[192, 168, 251, 1]);
        p[28..34].copy_from_slice(&MAC);
        p.extend_from_slice(&MAGIC);
        p.extend_from_slice(&[OPT_MESSAGE_TYPE, 1, kind]);
        p.extend_from_slice(options);
        p.push(OPT_END);
        p
    }

    fn full_options() -> Vec<u8> {
        let mut o = vec![];
        o.extend_from_slice(&[OPT_SERVER_ID, 4, 192, 168, 251, 1]);
        o.extend_from_slice(&[OPT_LEASE_TIME, 4, 0xff, 0xff, 0xff, 0xff]);
        o.extend_from_slice(&[OPT_SUBNET_MASK, 4, 255, 255, 255, 0]);
        o.extend_from_slice(&[OPT_BROADCAST, 4, 192, 168, 251, 255]);
        o.extend_from_slice(&[OPT_ROUTER, 8, 192, 168, 251, 1, 192, 168, 251, 2]);
        o.extend_from_slice(&[OPT_DNS, 4, 192, 168, 251, 1]);
        o.push(OPT_PAD);
        o.extend_from_slice(&[OPT_DOMAIN, 7]);
        o.extend_from_slice(b"sandbox");
        o
    }

    #[test]
    fn builds_a_discover() {
        let p = discover(XID, MAC);
        assert!(p.len() >= MIN_LEN);
        assert_eq!(&p[..4], &[BOOTREQUEST, 1, 6, 0]);
        assert_eq!(&p[4..8], &XID.to_be_bytes());
        assert_eq!(&p[10..12], &[0x80, 0], "broadcast flag");
        assert_eq!(&p[12..28], &[0; 16], "no addresses");
        assert_eq!(&p[28..34], &MAC);
        assert_eq!(&p[HEADER_LEN..HEADER_LEN + 4], &MAGIC);
        let options = &p[HEADER_LEN + 4..];
        assert_eq!(&options[..3], &[OPT_MESSAGE_TYPE, 1, DHCPDISCOVER]);
        assert_eq!(&options[3..5], &[OPT_CLIENT_ID, 7]);
        assert_eq!(&options[5..12], &[1, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56]);
        assert_eq!(&options[12..14], &[OPT_PARAMETERS, 7]);
        assert_eq!(&options[14..21], &[1, 3, 6, 15, 28, 51, 54]);
        assert_eq!(options[21], OPT_END);
    }

    #[test]
    fn builds_a_request_for_the_offer() {
        let offer = match parse_reply(&reply(DHCPOFFER, XID, &full_options()), XID, MAC) {
            Ok(Some(Reply::Offer(l))) => l,
            other => panic!("{other:?}"),
        };
        let p = request(XID, MAC, &offer);
        let options = &p[HEADER_LEN + 4..];
        assert_eq!(&options[..3], &[OPT_MESSAGE_TYPE, 1, DHCPREQUEST]);
        let tail = &options[21..];
        assert_eq!(&tail[..6], &[OPT_REQUESTED_IP, 4, 192, 168, 251, 150]);
        assert_eq!(&tail[6..12], &[OPT_SERVER_ID, 4, 192, 168, 251, 1]);
        assert_eq!(tail[12], OPT_END);
    }

    #[test]
    fn parses_an_offer_and_an_ack() {
        let lease = Lease {
            address: Ipv4Addr::new(192, 168, 251, 150),
            prefix: 24,
            broadcast: Some(Ipv4Addr::new(192, 168, 251, 255)),
            routers: vec![
                Ipv4Addr::new(192, 168, 251, 1),
                Ipv4Addr::new(192, 168, 251, 2),
            ],
            dns: vec![Ipv4Addr::new(192, 168, 251, 1)],
            domain: Some("sandbox".into()),
            lease_time: Some(u32::MAX),
            server: Some(Ipv4Addr::new(192, 168, 251, 1)),
        };
        assert_eq!(
            parse_reply(&reply(DHCPOFFER, XID, &full_options()), XID, MAC),
            Ok(Some(Reply::Offer(lease.clone())))
        );
        assert_eq!(
            parse_reply(&reply(DHCPACK, XID, &full_options()), XID, MAC),
            Ok(Some(Reply::Ack(lease)))
        );
        assert_eq!(
            parse_reply(&reply(DHCPNAK, XID, &[]), XID, MAC),
            Ok(Some(Reply::Nak))
        );
        // Minimal: no mask (24 assumed), no router, no DNS.
        let bare = parse_reply(&reply(DHCPACK, XID, &[]), XID, MAC);
        let Ok(Some(Reply::Ack(bare))) = bare else {
            panic!("{bare:?}")
        };
        assert_eq!(
            (bare.prefix, bare.routers.len(), bare.dns.len()),
            (24, 0, 0)
        );
        let mask = parse_reply(&reply(DHCPACK, XID, &[1, 4, 255, 255, 240, 0]), XID, MAC);
        assert!(matches!(
            mask,
            Ok(Some(Reply::Ack(Lease { prefix: 20, .. })))
        ));
    }

    #[test]
    fn ignores_others_messages() {
        let ours = reply(DHCPOFFER, XID, &full_options());
        assert_eq!(parse_reply(&ours, XID ^ 1, MAC), Ok(None), "another xid");
        let mut request = ours.clone();
        request[0] = BOOTREQUEST;
        assert_eq!(parse_reply(&request, XID, MAC), Ok(None), "op is a request");
        let mut other_mac = ours.clone();
        other_mac[33] ^= 1;
        assert_eq!(parse_reply(&other_mac, XID, MAC), Ok(None), "another MAC");
        // Our own DISCOVER, as a broadcast comes back.
        assert_eq!(parse_reply(&discover(XID, MAC), XID, MAC), Ok(None));
    }

    #[test]
    fn rejects_malformed_messages() {
        let bad = |options: &[u8]| parse_reply(&reply(DHCPOFFER, XID, options), XID, MAC);
        assert!(bad(&[OPT_ROUTER, 200, 1, 2, 3, 4]).is_err(), "overrun");
        assert!(bad(&[OPT_ROUTER, 3, 1, 2, 3]).is_err(), "short address");
        assert!(bad(&[OPT_ROUTER, 0]).is_err(), "empty list");
        assert!(bad(&[OPT_SUBNET_MASK, 4, 255, 0, 255, 0]).is_err(), "mask");
        assert!(bad(&[OPT_LEASE_TIME, 2, 0, 1]).is_err(), "lease time");
        assert!(bad(&[OPT_DOMAIN, 3, b'a', b' ', b'b']).is_err(), "domain");
        assert!(bad(&[OPT_DOMAIN, 2, 0xff, 0xfe]).is_err(), "domain bytes");
        let mut no_length = reply(DHCPOFFER, XID, &[]);
        no_length.pop();
        no_length.push(OPT_ROUTER);
        assert!(parse_reply(&no_length, XID, MAC).is_err(), "no length");
        let full = reply(DHCPOFFER, XID, &full_options());
        assert!(parse_reply(&full[..100], XID, MAC).is_err(), "truncated");
        assert!(parse_reply(&[], XID, MAC).is_err(), "empty");
        let mut no_magic = full.clone();
        no_magic[HEADER_LEN] = 0;
        assert!(parse_reply(&no_magic, XID, MAC).is_err(), "cookie");
        let mut no_type = full.clone();
        no_type[HEADER_LEN + 4] = OPT_PAD;
        no_type[HEADER_LEN + 5] = OPT_PAD;
        no_type[HEADER_LEN + 6] = OPT_PAD;
        assert!(parse_reply(&no_type, XID, MAC).is_err(), "no type");
        let mut zero = full;
        zero[16..20].copy_from_slice(&[0; 4]);
        assert!(parse_reply(&zero, XID, MAC).is_err(), "0.0.0.0");
        // Every truncation of a good message is handled without a panic.
        let good = reply(DHCPACK, XID, &full_options());
        for n in 0..good.len() {
            let _ = parse_reply(&good[..n], XID, MAC);
        }
    }

    #[test]
    fn parses_macs() {
        assert_eq!(parse_mac("52:54:00:12:34:56"), Ok(MAC));
        assert_eq!(
            parse_mac("52:54:00:12:34:5G").map(|_| ()),
            Err("bad MAC address 52:54:00:12:34:5G".into())
        );
        assert!(parse_mac("52:54:00:12:34").is_err());
        assert!(parse_mac("52:54:00:12:34:56:78").is_err());
    }
}
