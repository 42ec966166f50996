//! Checked domain types: each can only be built through a constructor that
//! validates it ("parse, don't validate"). Messages are in Chinese: they
//! reach residents' forms.

mod calendar;
mod document_number;
mod id_number;
mod network;
mod person;
mod place;
mod records;
mod seal_id;
mod seal_level;
pub mod state;
pub mod text;

pub use calendar::{CivilDate, DateRange, now_unix, utc_digits};
pub use document_number::{DocumentNumber, number_prefix};
pub use id_number::IdNumber;
pub use network::{Cidr, canonical, client_block};
pub use person::{PersonName, Phone};
pub use place::{Address, Area, BoundedText};
pub use records::{Application, IssuedDocument};
pub use seal_id::SealId;
pub use seal_level::SealLevel;
pub use state::{
    ApplicationMove, ApplicationStatus, DocumentMove, DocumentState, SealMove, SealStatus,
};
