//! Seals: the roster they come from and the registry that provisions,
//! revokes and rotates them.

pub mod registry;
pub mod roster;

pub use registry::{ProvisionReport, Seal, SealCertRecord, SealStatus};
pub use roster::{Roster, RosterError, RosterRow};
