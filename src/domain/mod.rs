//! Checked domain types: each can only be built through a constructor that
//! validates it ("parse, don't validate").

mod document_number;
mod seal_id;
mod seal_level;

pub use document_number::{DocumentNumber, number_prefix};
pub use seal_id::SealId;
pub use seal_level::SealLevel;
