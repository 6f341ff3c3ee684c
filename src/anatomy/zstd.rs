//! A streaming zstd reader over every frame of a blob: ruzstd's `StreamingDecoder` reads one
//! frame, and a layer may hold several (zstd:chunked writes a frame per file, and skippable
//! frames for its table of contents).

use std::io::{self, BufRead, Read};

use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};

pub struct ZstdFrames<R> {
    source: R,
    frame: FrameDecoder,
    /// Whether `frame` is inside a frame (else the next one starts at `source`).
    in_frame: bool,
}

impl<R: BufRead> ZstdFrames<R> {
    pub fn new(source: R) -> ZstdFrames<R> {
        ZstdFrames {
            source,
            // Its window (at most 128 MiB by default) bounds the memory a frame may take.
            frame: FrameDecoder::new(),
            in_frame: false,
        }
    }

    /// Starts the next frame; false at the end of the blob.
    fn next_frame(&mut self) -> io::Result<bool> {
        loop {
            if self.source.fill_buf()?.is_empty() {
                return Ok(false);
            }
            match self.frame.init(&mut self.source) {
                Ok(()) => return Ok(true),
                Err(FrameDecoderError::ReadFrameHeaderError(ReadFrameHeaderError::SkipFrame {
                    length,
                    ..
                })) => {
                    io::copy(
                        &mut (&mut self.source).take(u64::from(length)),
                        &mut io::sink(),
                    )?;
                }
                Err(e) => return Err(io::Error::other(e)),
            }
        }
    }
}

impl<R: BufRead> Read for ZstdFrames<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if !self.in_frame {
                if !self.next_frame()? {
                    return Ok(0);
                }
                self.in_frame = true;
            }
            // As ruzstd's StreamingDecoder: decode blocks until some bytes can be handed out.
            while self.frame.can_collect() == 0 && !self.frame.is_finished() {
                self.frame
                    .decode_blocks(&mut self.source, BlockDecodingStrategy::UptoBlocks(1))
                    .map_err(io::Error::other)?;
            }
            let n = self.frame.read(buf)?;
            if n > 0 {
                return Ok(n);
            }
            if self.frame.is_finished() {
                self.in_frame = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ruzstd::encoding::{compress_to_vec, CompressionLevel};

    #[test]
    fn reads_every_frame_and_skips_skippable_ones() {
        let one = compress_to_vec(&b"hello "[..], CompressionLevel::Fastest);
        let two = compress_to_vec(&vec![b'z'; 300_000][..], CompressionLevel::Fastest);
        // A skippable frame: magic 0x184D2A5?, a 4-byte little-endian length, the bytes.
        let skip = [&[0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0][..], b"toc"].concat();
        let blob = [one, skip, two].concat();
        let mut out = Vec::new();
        ZstdFrames::new(blob.as_slice())
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out.len(), 6 + 300_000);
        assert!(out.starts_with(b"hello zzz"));
    }
}
