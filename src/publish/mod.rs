//! The publisher's side: list an edition folder, scan its articles, and pack it into a signed
//! bundle.

pub mod edition;
mod frame_writer;
pub mod pack;
pub mod scan;

pub use edition::EditionError;
pub use pack::{PackError, PackOptions, PackReport, pack_edition};
