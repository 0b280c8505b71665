//! The in-memory filesystem an airlock sandbox session gives its guest.
//!
//! The guest reaches it only through host calls, so every input is treated as
//! hostile: paths are normalized lexically and bounded ([`MAX_PATH_BYTES`],
//! [`MAX_NAME_BYTES`], [`MAX_DEPTH`]), storage is bounded by [`VfsLimits`],
//! nothing panics, and every operation either succeeds completely or fails
//! without changing anything. Nothing here touches the host's real
//! filesystem.
//!
//! The layout is fixed at creation: `/` and `/dev` are read-only,
//! `/workspace` (the initial working directory) and `/tmp` are writable, and
//! `/dev/null` swallows writes. Errors render the way Node.js renders `fs`
//! errors, since that is what guest programs expect to see.
//!
//! ```
//! use airlock_vfs::{ErrorCode, Vfs, VfsLimits};
//!
//! let mut vfs = Vfs::new(VfsLimits::default());
//! vfs.write("notes.txt", b"hello")?;
//! assert_eq!(vfs.read("/workspace/notes.txt")?.as_slice(), b"hello");
//!
//! let err = vfs.read("missing.txt").unwrap_err();
//! assert_eq!(err.code, ErrorCode::NoEnt);
//! assert_eq!(
//!     err.to_string(),
//!     "ENOENT: no such file or directory, open '/workspace/missing.txt'"
//! );
//! # Ok::<(), airlock_vfs::VfsError>(())
//! ```

#![deny(missing_docs)]

mod error;
mod image;
mod limits;
mod node;
mod path;
mod remove;
mod vfs;
mod write;

pub use error::{ErrorCode, VfsError};
pub use image::ImageEntry;
pub use limits::{Usage, VfsLimits};
pub use node::{DirEntry, FileData, Metadata, NodeKind};
pub use path::{MAX_DEPTH, MAX_NAME_BYTES, MAX_PATH_BYTES, normalize};
pub use vfs::Vfs;
