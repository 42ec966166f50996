//! Seals: the roster they come from, the registry that provisions, revokes
//! and rotates them, their national-standard (SM2, GB/T 38540) identity,
//! and their appearance (vector, and as a print-resolution picture).

pub mod appearance;
pub mod crl_publication;
pub mod national;
pub mod picture;
pub mod registry;
pub mod roster;

pub use crate::domain::SealStatus;
pub use appearance::SealAppearance;
pub use registry::{ProvisionReport, Seal, SealCertRecord};
pub use roster::{Roster, RosterError, RosterRow};
