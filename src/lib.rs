//! eseal: the electronic-seal and village certificate signing service of
//! Ganyu District.
//!
//! Dependencies point one way: `web` -> (`document`, `pades`, `verify`,
//! `store`) -> (`crypto`, `pki`, `domain`). Only `crypto` names `ring`.
#![forbid(unsafe_code)]

pub mod accounts;
pub mod admission;
pub mod application;
pub mod audit;
pub mod cli;
pub mod configuration;
pub mod crypto;
pub mod document;
pub mod domain;
pub mod ess;
pub mod font;
pub mod installation;
pub mod issuance;
pub mod metrics;
pub mod pades;
pub mod pdf;
pub mod pki;
pub mod records;
pub mod seal;
pub mod signed_data;
pub mod store;
pub mod tsa;
pub mod verify;
pub mod web;
