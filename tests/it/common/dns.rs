//! A DNS server of the tests' own on 127.0.0.1 (UDP, and TCP on the same port), answering each
//! name as the test says: addresses, after a delay, NXDOMAIN, SERVFAIL, REFUSED, never, a CNAME
//! chain, no address record, MX, TXT and NS records. It counts the queries it receives per name, so
//! a test can tell what the service's cache and merging saved. A name nobody set is NXDOMAIN.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, CNAME, MX, NS, SOA, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How the server answers one name.
#[derive(Clone, Debug)]
pub enum Behaviour {
    /// These addresses (A for IPv4, AAAA for IPv6; an empty answer for the other type).
    Answer(Vec<IpAddr>),
    /// These addresses, after the delay.
    Slow(Duration, Vec<IpAddr>),
    NxDomain,
    ServFail,
    Refused,
    /// Never answers.
    Silent,
    /// NOERROR with no A or AAAA record (the name exists, say for mail only).
    NoAddress,
    /// A CNAME to another name, answered as that name is.
    Cname(String),
    /// Mail exchangers (preference, host) and TXT strings, with these addresses.
    Mail {
        addresses: Vec<IpAddr>,
        mx: Vec<(u16, String)>,
        txt: Vec<String>,
    },
    /// These name servers (NS records), with these addresses.
    Delegated {
        addresses: Vec<IpAddr>,
        ns: Vec<String>,
    },
}

pub struct DnsServer {
    pub addr: SocketAddr,
    names: Arc<Mutex<HashMap<String, Behaviour>>>,
    queries: Arc<Mutex<HashMap<String, usize>>>,
    by_type: Arc<Mutex<HashMap<(String, RecordType), usize>>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

fn key(name: &Name) -> String {
    name.to_ascii().trim_end_matches('.').to_ascii_lowercase()
}

impl DnsServer {
    pub async fn start() -> DnsServer {
        let names: Arc<Mutex<HashMap<String, Behaviour>>> = Arc::default();
        let queries: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let by_type: Arc<Mutex<HashMap<(String, RecordType), usize>>> = Arc::default();
        // The same port for UDP and TCP: try ports until both are free.
        let (udp, tcp) = loop {
            let udp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let port = udp.local_addr().unwrap().port();
            if let Ok(tcp) = tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
                break (udp, tcp);
            }
        };
        let addr = udp.local_addr().unwrap();
        let udp = Arc::new(udp);
        let udp_task = {
            let (names, queries, by_type, udp) =
                (names.clone(), queries.clone(), by_type.clone(), udp.clone());
            tokio::spawn(async move {
                let mut buffer = vec![0u8; 4096];
                loop {
                    let Ok((len, from)) = udp.recv_from(&mut buffer).await else { continue };
                    let request = buffer[..len].to_vec();
                    let (names, queries, by_type, udp) =
                        (names.clone(), queries.clone(), by_type.clone(), udp.clone());
                    tokio::spawn(async move {
                        if let Some(answer) = answer(&request, &names, &queries, &by_type).await {
                            let _ = udp.send_to(&answer, from).await;
                        }
                    });
                }
            })
        };
        let tcp_task = {
            let (names, queries, by_type) = (names.clone(), queries.clone(), by_type.clone());
            tokio::spawn(async move {
                loop {
                    let Ok((mut stream, _)) = tcp.accept().await else { continue };
                    let (names, queries, by_type) = (names.clone(), queries.clone(), by_type.clone());
                    tokio::spawn(async move {
                        loop {
                            let Ok(len) = stream.read_u16().await else { return };
                            let mut request = vec![0u8; usize::from(len)];
                            if stream.read_exact(&mut request).await.is_err() {
                                return;
                            }
                            if let Some(answer) = answer(&request, &names, &queries, &by_type).await {
                                let framed_len = u16::try_from(answer.len()).unwrap();
                                if stream.write_u16(framed_len).await.is_err()
                                    || stream.write_all(&answer).await.is_err()
                                {
                                    return;
                                }
                            }
                        }
                    });
                }
            })
        };
        DnsServer { addr, names, queries, by_type, tasks: vec![udp_task, tcp_task] }
    }

    /// How the server answers `name` from now on.
    pub fn set(&self, name: &str, behaviour: Behaviour) {
        self.names.lock().unwrap().insert(name.to_ascii_lowercase(), behaviour);
    }

    /// `name` answers `ip`.
    pub fn answer(&self, name: &str, ip: &str) {
        self.set(name, Behaviour::Answer(vec![ip.parse().unwrap()]));
    }

    /// Queries received for `name` so far (each record type counts).
    pub fn queries(&self, name: &str) -> usize {
        self.queries.lock().unwrap().get(&name.to_ascii_lowercase()).copied().unwrap_or(0)
    }

    /// Queries received for every name so far.
    pub fn total_queries(&self) -> usize {
        self.queries.lock().unwrap().values().sum()
    }

    /// Queries received so far, per name and record type.
    pub fn queries_by_type(&self) -> HashMap<(String, RecordType), usize> {
        self.by_type.lock().unwrap().clone()
    }

    /// `ip:port`, as `DOMAIN_SCHEDULER_DNS_SERVERS` takes it.
    pub fn server(&self) -> String {
        self.addr.to_string()
    }
}

async fn answer(
    request: &[u8],
    names: &Mutex<HashMap<String, Behaviour>>,
    queries: &Mutex<HashMap<String, usize>>,
    by_type: &Mutex<HashMap<(String, RecordType), usize>>,
) -> Option<Vec<u8>> {
    let request = Message::from_vec(request).ok()?;
    let query = request.queries.first()?.clone();
    let asked = key(query.name());
    *queries.lock().unwrap().entry(asked.clone()).or_default() += 1;
    *by_type.lock().unwrap().entry((asked.clone(), query.query_type())).or_default() += 1;
    let mut response = Message::new(request.metadata.id, MessageType::Response, request.metadata.op_code);
    response.metadata.recursion_desired = request.metadata.recursion_desired;
    response.metadata.recursion_available = true;
    response.metadata.authoritative = true;
    response.add_query(query.clone());
    let mut name = asked;
    let mut owner = query.name().clone();
    // Follow CNAMEs within the server, as a recursive resolver hands over the whole chain.
    for _ in 0..8 {
        let behaviour = names.lock().unwrap().get(&name).cloned().unwrap_or(Behaviour::NxDomain);
        match behaviour {
            Behaviour::Cname(target) => {
                let target_name = Name::from_ascii(format!("{target}.")).ok()?;
                response.add_answer(Record::from_rdata(
                    owner.clone(),
                    300,
                    RData::CNAME(CNAME(target_name.clone())),
                ));
                owner = target_name;
                name = target.to_ascii_lowercase();
            }
            Behaviour::Silent => return None,
            Behaviour::Slow(delay, addresses) => {
                tokio::time::sleep(delay).await;
                add_addresses(&mut response, &owner, query.query_type(), &addresses);
                return finish(response);
            }
            Behaviour::Answer(addresses) => {
                add_addresses(&mut response, &owner, query.query_type(), &addresses);
                return finish(response);
            }
            Behaviour::Mail { addresses, mx, txt } => {
                match query.query_type() {
                    RecordType::MX => {
                        for (preference, host) in mx {
                            let exchange = Name::from_ascii(format!("{host}.")).ok()?;
                            response.add_answer(Record::from_rdata(
                                owner.clone(),
                                300,
                                RData::MX(MX::new(preference, exchange)),
                            ));
                        }
                    }
                    RecordType::TXT => {
                        for text in txt {
                            response.add_answer(Record::from_rdata(
                                owner.clone(),
                                300,
                                RData::TXT(TXT::new(vec![text])),
                            ));
                        }
                    }
                    other => add_addresses(&mut response, &owner, other, &addresses),
                }
                return finish(response);
            }
            Behaviour::Delegated { addresses, ns } => {
                if query.query_type() == RecordType::NS {
                    for host in ns {
                        let host = Name::from_ascii(format!("{host}.")).ok()?;
                        response.add_answer(Record::from_rdata(owner.clone(), 300, RData::NS(NS(host))));
                    }
                } else {
                    add_addresses(&mut response, &owner, query.query_type(), &addresses);
                }
                return finish(response);
            }
            Behaviour::NoAddress => {
                add_addresses(&mut response, &owner, query.query_type(), &[]);
                return finish(response);
            }
            Behaviour::NxDomain => {
                response.metadata.response_code = ResponseCode::NXDomain;
                add_soa(&mut response, &owner);
                return finish(response);
            }
            Behaviour::ServFail => {
                response.metadata.response_code = ResponseCode::ServFail;
                return finish(response);
            }
            Behaviour::Refused => {
                response.metadata.response_code = ResponseCode::Refused;
                return finish(response);
            }
        }
    }
    response.metadata.response_code = ResponseCode::ServFail;
    finish(response)
}

fn add_addresses(response: &mut Message, owner: &Name, asked: RecordType, addresses: &[IpAddr]) {
    let mut any = false;
    for ip in addresses {
        let data = match (ip, asked) {
            (IpAddr::V4(v4), RecordType::A) => RData::A(A(*v4)),
            (IpAddr::V6(v6), RecordType::AAAA) => RData::AAAA(AAAA(*v6)),
            _ => continue,
        };
        response.add_answer(Record::from_rdata(owner.clone(), 300, data));
        any = true;
    }
    if !any {
        add_soa(response, owner);
    }
}

/// The zone's SOA in the authority section: what lets a resolver cache a negative answer.
fn add_soa(response: &mut Message, owner: &Name) {
    let zone = owner.base_name();
    let soa = SOA::new(
        Name::from_ascii("ns.test.").unwrap(),
        Name::from_ascii("hostmaster.test.").unwrap(),
        1,
        3600,
        600,
        86400,
        300,
    );
    response.add_authority(Record::from_rdata(zone, 300, RData::SOA(soa)));
}

fn finish(response: Message) -> Option<Vec<u8>> {
    response.to_vec().ok()
}
