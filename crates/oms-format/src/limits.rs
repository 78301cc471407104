//! The size limits of a signature, one policy for signing and verifying: a signer refuses what
//! a verifier would refuse, so every signature written can be read back.
//!
//! How big real signatures get (measured on the reference, model_signing 1.1.1, `files` method,
//! 2,000 files named with 50 and with 200 bytes): its indented payload holds about
//! `153 + L` bytes per resource for a name of `L` bytes (64 hex digest, `"algorithm"`, the
//! indentation), plus about 560 bytes; the bundle base64-encodes the payload (4/3) and adds
//! about 600 bytes (key method; the certificate and Rekor entry of a keyless bundle add a few
//! kilobytes). So 200,000 files with 166-byte names make a 64 MB payload and an 85 MB bundle.
//!
//! * [`MAX_RESOURCES`] = 1,000,000 resources (files, or shards in the `shards` method).
//! * [`MAX_PAYLOAD_BYTES`] = 256 MiB: at `153 + L` bytes per resource that admits 1,000,000
//!   resources with names averaging 115 bytes, or 200,000 resources with names averaging
//!   1,189 bytes, far beyond the largest published models (hundreds of files, names under
//!   100 bytes).
//! * [`MAX_BUNDLE_BYTES`] = the base64 size of the largest payload plus 1 MiB for the envelope,
//!   certificates, log entries and timestamps: 357,913,944 + 1,048,576 = 358,962,520 bytes
//!   (about 342 MiB). Reading is bounded by it, so a hostile file (or `/dev/zero`) costs at most
//!   that much memory before it is refused.

/// Statements listing more resources than this are refused, and models that would produce
/// more are not signed.
pub const MAX_RESOURCES: usize = 1_000_000;

/// Payloads (in-toto statements) larger than this are refused before parsing, and not signed.
pub const MAX_PAYLOAD_BYTES: usize = 256 * 1024 * 1024;

/// Room in a bundle for everything but the base64 payload.
const BUNDLE_OVERHEAD_BYTES: usize = 1024 * 1024;

/// Bundles (signature files) larger than this are refused before parsing, and not written.
pub const MAX_BUNDLE_BYTES: usize = MAX_PAYLOAD_BYTES.div_ceil(3) * 4 + BUNDLE_OVERHEAD_BYTES;

// Checked when compiling: the largest payload, base64-encoded, fits in the largest bundle, and
// the example (200,000 files with 166-byte names, ~153 bytes of JSON per resource) fits.
const _: () = assert!(MAX_PAYLOAD_BYTES.div_ceil(3) * 4 < MAX_BUNDLE_BYTES);
const _: () = assert!(200_000 * (153 + 166) < MAX_PAYLOAD_BYTES);
