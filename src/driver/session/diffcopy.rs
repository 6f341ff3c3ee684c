//! The sender's side of fsutil's DiffCopy protocol (tonistiigi/fsutil send.go): a STAT per
//! entry in walk order and an empty STAT to end them; the receiver asks for a file's bytes
//! with REQ(id), id being the index of its STAT, and gets DATA chunks and an empty DATA; its FIN
//! is answered with FIN, which ends the call.

use std::collections::HashMap;

use anyhow::{anyhow, bail};
use bollard::fsutil::types::{packet::PacketType, Packet};
use futures_util::{Stream, StreamExt};
use tokio::sync::mpsc;
use tonic::Status;

use super::tree::{ContextTree, Entry, Filter};

/// fsutil's copy buffer: the size of the DATA chunks its sender writes.
pub const CHUNK_BYTES: usize = 32 * 1024;

/// Sends what `filter` keeps of `tree` to the receiver behind `incoming` and `out`, and returns
/// once the receiver's FIN is answered (an error if it gave up or sent nonsense).
pub async fn send<S>(
    tree: &ContextTree,
    filter: &Filter,
    mut incoming: S,
    out: &mpsc::Sender<Result<Packet, Status>>,
) -> anyhow::Result<()>
where
    S: Stream<Item = Result<Packet, Status>> + Unpin,
{
    let walked = tree.walk(filter);
    let mut files: HashMap<u32, &Entry> = walked
        .iter()
        .enumerate()
        .filter(|(_, e)| e.has_data())
        .map(|(id, e)| (id as u32, *e))
        .collect();
    // As in fsutil, the stats and the answers to requests go out side by side: the receiver
    // asks for a file as soon as it has its stat.
    let stats = async {
        for entry in &walked {
            put(
                out,
                packet(PacketType::PacketStat, 0, Vec::new(), Some(entry)),
            )
            .await?;
        }
        put(out, packet(PacketType::PacketStat, 0, Vec::new(), None)).await
    };
    let requests = async {
        loop {
            let p = match incoming.next().await {
                Some(Ok(p)) => p,
                Some(Err(status)) => bail!("the receiver failed: {}", status.message()),
                None => bail!("the receiver hung up before FIN"),
            };
            match PacketType::try_from(p.r#type) {
                Ok(PacketType::PacketReq) => {
                    let entry = files
                        .remove(&p.id)
                        .ok_or_else(|| anyhow!("invalid file id {}", p.id))?;
                    send_file(tree.data(entry), p.id, out).await?;
                }
                Ok(PacketType::PacketFin) => {
                    return put(out, packet(PacketType::PacketFin, 0, Vec::new(), None)).await;
                }
                Ok(PacketType::PacketErr) => {
                    bail!("error from receiver: {}", String::from_utf8_lossy(&p.data))
                }
                // fsutil's sender ignores anything else too.
                _ => {}
            }
        }
    };
    tokio::try_join!(stats, requests).map(|_| ())
}

async fn send_file(
    data: &[u8],
    id: u32,
    out: &mpsc::Sender<Result<Packet, Status>>,
) -> anyhow::Result<()> {
    for chunk in data.chunks(CHUNK_BYTES) {
        put(
            out,
            packet(PacketType::PacketData, id, chunk.to_vec(), None),
        )
        .await?;
    }
    put(out, packet(PacketType::PacketData, id, Vec::new(), None)).await
}

fn packet(kind: PacketType, id: u32, data: Vec<u8>, entry: Option<&Entry>) -> Packet {
    Packet {
        r#type: kind as i32,
        stat: entry.map(Entry::stat),
        id,
        data,
    }
}

async fn put(out: &mpsc::Sender<Result<Packet, Status>>, p: Packet) -> anyhow::Result<()> {
    out.send(Ok(p))
        .await
        .map_err(|_| anyhow!("the receiver's stream is gone"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> ContextTree {
        let mut tar = tar::Builder::new(Vec::new());
        let big = vec![7u8; CHUNK_BYTES * 2 + 5];
        for (path, data) in [
            ("Dockerfile", &b"FROM scratch\n"[..]),
            ("d/big.bin", &big[..]),
            ("empty", &b""[..]),
        ] {
            let mut header = tar::Header::new_gnu();
            header.set_mode(0o644);
            header.set_size(data.len() as u64);
            tar.append_data(&mut header, path, data).unwrap();
        }
        ContextTree::from_tar(tar.into_inner().unwrap()).unwrap()
    }

    fn kind(p: &Packet) -> PacketType {
        PacketType::try_from(p.r#type).unwrap()
    }

    /// Runs the sender against a receiver that sends `script` (after reading every stat), and
    /// returns everything the sender sent.
    async fn run(script: Vec<Packet>) -> (anyhow::Result<()>, Vec<Packet>) {
        let tree = tree();
        let (in_tx, in_rx) = mpsc::channel(16);
        let (out_tx, mut out_rx) = mpsc::channel(1024);
        let incoming = futures_util::stream::unfold(in_rx, |mut rx| async move {
            rx.recv().await.map(|p| (Ok::<_, Status>(p), rx))
        });
        let receiver = async move {
            for p in script {
                in_tx.send(p).await.unwrap();
            }
            // Hang up only once the sender is done with us.
            in_tx.closed().await;
        };
        let sender = async {
            let result = send(&tree, &Filter::default(), Box::pin(incoming), &out_tx).await;
            drop(out_tx);
            result
        };
        let (result, ()) = tokio::join!(sender, receiver);
        let mut sent = Vec::new();
        while let Some(p) = out_rx.recv().await {
            sent.push(p.unwrap());
        }
        (result, sent)
    }

    fn req(id: u32) -> Packet {
        packet(PacketType::PacketReq, id, Vec::new(), None)
    }

    fn fin() -> Packet {
        packet(PacketType::PacketFin, 0, Vec::new(), None)
    }

    #[tokio::test]
    async fn stats_then_an_empty_stat_then_requested_data_then_fin() {
        // Walk order: Dockerfile (0), d (1), d/big.bin (2), empty (3).
        let (result, sent) = run(vec![req(2), req(0), req(3), fin()]).await;
        result.unwrap();
        let stats: Vec<_> = sent
            .iter()
            .filter(|p| kind(p) == PacketType::PacketStat)
            .map(|p| p.stat.as_ref().map(|s| s.path.clone()))
            .collect();
        assert_eq!(
            stats,
            vec![
                Some("Dockerfile".to_string()),
                Some("d".to_string()),
                Some("d/big.bin".to_string()),
                Some("empty".to_string()),
                None
            ]
        );
        let data: Vec<(u32, usize)> = sent
            .iter()
            .filter(|p| kind(p) == PacketType::PacketData)
            .map(|p| (p.id, p.data.len()))
            .collect();
        assert_eq!(
            data,
            vec![
                (2, CHUNK_BYTES),
                (2, CHUNK_BYTES),
                (2, 5),
                (2, 0),
                (0, 13),
                (0, 0),
                (3, 0)
            ],
            "chunks, then an empty DATA to end each file"
        );
        assert_eq!(kind(sent.last().unwrap()), PacketType::PacketFin);
    }

    #[tokio::test]
    async fn a_folder_or_a_file_asked_for_twice_is_an_invalid_id() {
        let (result, _) = run(vec![req(1)]).await;
        assert_eq!(result.unwrap_err().to_string(), "invalid file id 1");
        let (result, _) = run(vec![req(0), req(0)]).await;
        assert_eq!(result.unwrap_err().to_string(), "invalid file id 0");
    }

    #[tokio::test]
    async fn the_receivers_error_ends_the_transfer() {
        let err = packet(PacketType::PacketErr, 0, b"disk full".to_vec(), None);
        let (result, _) = run(vec![err]).await;
        assert_eq!(
            result.unwrap_err().to_string(),
            "error from receiver: disk full"
        );
    }
}
