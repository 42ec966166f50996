//! eseal: the electronic-seal and village certificate signing service of
//! Ganyu District.
//!
//! Dependencies point one way: `web` -> (`document`, `pades`, `verify`,
//! `store`) -> (`crypto`, `pki`, `domain`). Only `crypto` names `ring`.
#![forbid(unsafe_code)]

pub mod cli;
pub mod crypto;
pub mod domain;
pub mod verify;
