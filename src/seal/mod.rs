//! Seals: the roster they come from, the registry that provisions, revokes
//! and rotates them, and their appearance.

pub mod appearance;
pub mod crl_publication;
pub mod registry;
pub mod roster;

pub use appearance::SealAppearance;
pub use crate::domain::SealStatus;
pub use registry::{ProvisionReport, Seal, SealCertRecord};
pub use roster::{Roster, RosterError, RosterRow};
