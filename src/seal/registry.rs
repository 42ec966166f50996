//! The seal registry: provisioning from a roster, revocation and rotation
//! (each audited; a revocation re-publishes the seal CA's CRL, see
//! [`super::crl_publication`]). CPU work (key generation, cert issuance) happens before
//! the database transaction; each operation commits in one transaction, so a
//! failure leaves nothing half-written.

use std::collections::HashMap;

use time::OffsetDateTime;

use super::national::{National, SealDetails, Sm2Prepared};
use super::roster::{Roster, RosterRow};
use crate::audit::{self, Event};
use crate::crypto::{KeyRef, Signer};
use crate::domain::{SealId, SealLevel, SealStatus};
use crate::pki::{CertInfo, Pki, PkiError, RevocationReason, SealSubject, Sm2Pki};
use crate::store::seal_sm2;
use crate::store::seals::{self, CertRow, SealRow};
use crate::store::{Store, StoreError};

/// Errors from registry operations.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Pki(#[from] PkiError),
    #[error("unknown seal {0}")]
    UnknownSeal(String),
    #[error("seal {0} has no usable key (revoked and not rotated)")]
    NoKey(String),
    #[error(
        "seal {0} has no usable SM2 key for OFD signatures (run `eseal pki add-sm2` and `eseal seals provision`)"
    )]
    NoSm2Key(String),
    #[error("seal {0} is already revoked")]
    AlreadyRevoked(String),
    #[error("{0}")]
    Picture(String),
    #[error("GB/T 38540 seal: {0}")]
    Seal(String),
    #[error(transparent)]
    Custody(#[from] crate::custody::CustodyError),
}

/// A seal as the rest of the code sees it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Seal {
    pub seal_id: SealId,
    pub level: SealLevel,
    pub area_code: String,
    pub town: String,
    pub village: Option<String>,
    pub holder: String,
    pub inscription: Option<String>,
    pub status: SealStatus,
}

/// A cert a seal has had.
pub type SealCertRecord = CertRow;

impl Seal {
    fn from_row(r: SealRow) -> Result<Self, StoreError> {
        Ok(Self {
            seal_id: SealId::parse(&r.seal_id).map_err(StoreError::Corrupt)?,
            level: SealLevel::parse(&r.level).map_err(StoreError::Corrupt)?,
            area_code: r.area_code,
            town: r.town,
            village: r.village,
            holder: r.holder,
            inscription: r.inscription,
            status: SealStatus::parse(&r.status)
                .ok_or_else(|| StoreError::Corrupt(format!("seal status {:?}", r.status)))?,
        })
    }
}

/// What a provisioning run did.
#[derive(Debug, Default, serde::Serialize)]
pub struct ProvisionReport {
    /// Seals created by this run.
    pub added: Vec<String>,
    /// Seals already registered with the same details.
    pub unchanged: usize,
    /// Registered seals whose roster row differs (not changed: use rotate).
    pub differing: Vec<String>,
    /// Registered seals absent from the roster (reported, never deleted).
    pub missing: Vec<String>,
    /// Seals given their SM2 identity (SM2 key, cert, GB/T 38540 seal) by
    /// this run: the new ones and registered ones that had none.
    pub sm2_added: Vec<String>,
}

struct Prepared {
    /// `None` for a registered seal that only gains its SM2 identity.
    seal: Option<(SealRow, CertRow, KeyRef)>,
    sm2: Option<Sm2Prepared>,
}

impl RosterRow {
    fn details(&self) -> SealDetails<'_> {
        SealDetails {
            seal_id: self.seal_id.as_str(),
            holder: &self.holder,
            town: &self.town,
            inscription: self.inscription.as_deref(),
        }
    }
}

fn seal_key_label(seal_id: &str, generation: i64) -> String {
    format!("seal:{seal_id}#{generation}")
}

fn prepare(
    pki: &Pki,
    signer: &dyn Signer,
    issuer: &rcgen::Issuer<'_, crate::pki::CoreSigningKey<'_>>,
    row: &RosterRow,
    generation: i64,
    now: OffsetDateTime,
) -> Result<(CertRow, KeyRef), RegistryError> {
    let id = row.seal_id.as_str();
    let g = signer
        .generate(&seal_key_label(id, generation))
        .map_err(PkiError::from)?;
    let subject = SealSubject {
        seal_id: id,
        holder: &row.holder,
        town: &row.town,
    };
    let der = pki.issue_seal_cert(issuer, &subject, &g.public_key, now)?;
    let info = CertInfo::parse(&der)?;
    let cert = CertRow {
        seal_id: id.to_string(),
        generation,
        serial_hex: info.serial_hex,
        cert_der: der,
        key_label: g.key.label.clone(),
        status: "current".into(),
        not_before: info.not_before.unix_timestamp(),
        not_after: info.not_after.unix_timestamp(),
        created_at: now.unix_timestamp(),
        revoked_at: None,
        revoke_reason: None,
    };
    Ok((cert, g.key))
}

fn row_of(r: &RosterRow, now: i64) -> SealRow {
    SealRow {
        seal_id: r.seal_id.to_string(),
        level: r.level.as_str().into(),
        area_code: r.area_code.clone(),
        town: r.town.clone(),
        village: r.village.clone(),
        holder: r.holder.clone(),
        inscription: r.inscription.clone(),
        status: "active".into(),
        created_at: now,
        revoked_at: None,
        revoke_reason: None,
    }
}

/// Provision one seal per roster row that is not yet registered. Idempotent.
/// `tick` is called once per new seal prepared (for a progress bar). Each
/// cert and `SES_Seal` made is audited as `actor`'s.
///
/// With `national`, every new seal also gets its SM2 identity, and so does
/// every registered active seal that has none yet (an installation that
/// gained the SM2 hierarchy with `eseal pki add-sm2`), at its current
/// generation.
pub async fn provision(
    store: &Store,
    signer: &dyn Signer,
    pki: &Pki,
    national: Option<&National<'_>>,
    roster: &Roster,
    actor: &str,
    tick: &(dyn Fn() + Sync),
) -> Result<ProvisionReport, RegistryError> {
    let existing: HashMap<String, SealRow> = seals::all_seals(&store.pool)
        .await?
        .into_iter()
        .map(|s| (s.seal_id.clone(), s))
        .collect();
    let mut report = ProvisionReport::default();
    // (row, generation, new seal?)
    let mut todo: Vec<(RosterRow, i64, bool)> = Vec::new();
    let with_sm2: std::collections::HashSet<String> = match national {
        Some(_) => seal_sm2::current_ids(&store.pool)
            .await?
            .into_iter()
            .collect(),
        None => Default::default(),
    };
    for r in &roster.rows {
        match existing.get(r.seal_id.as_str()) {
            None => todo.push((r.clone(), 1, true)),
            Some(s) => {
                let same = s.holder == r.holder
                    && s.level == r.level.as_str()
                    && s.town == r.town
                    && s.village == r.village
                    && s.area_code == r.area_code
                    && s.inscription == r.inscription;
                if same {
                    report.unchanged += 1;
                } else {
                    report.differing.push(r.seal_id.to_string());
                }
                if national.is_some() && s.status == "active" && !with_sm2.contains(&s.seal_id) {
                    // The registered details, not the roster's, name the cert.
                    if let Some((cert, _)) = seals::current_key(&store.pool, &s.seal_id).await? {
                        let seal = Seal::from_row(s.clone())?;
                        todo.push((roster_row_of(&seal), cert.generation, false));
                    }
                }
            }
        }
    }
    let in_roster: std::collections::HashSet<&str> =
        roster.rows.iter().map(|r| r.seal_id.as_str()).collect();
    report.missing = existing
        .keys()
        .filter(|k| !in_roster.contains(k.as_str()))
        .cloned()
        .collect();
    report.missing.sort();

    let now = OffsetDateTime::now_utc();
    // Key generation and cert issuance are CPU-bound: spread over the cores.
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8);
    let chunk = todo.len().div_ceil(workers).max(1);
    let prepared: Vec<Result<Vec<Prepared>, RegistryError>> = std::thread::scope(|s| {
        let handles: Vec<_> = todo
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    let issuer = pki.seal_ca_issuer(signer)?;
                    let sm2_issuers = national.map(|n| n.issuers(signer)).transpose()?;
                    part.iter()
                        .map(|(r, generation, new)| {
                            let seal = if *new {
                                let (cert, key) = prepare(pki, signer, &issuer, r, 1, now)?;
                                Some((row_of(r, now.unix_timestamp()), cert, key))
                            } else {
                                None
                            };
                            let sm2 = match (national, &sm2_issuers) {
                                (Some(n), Some(i)) => {
                                    Some(n.prepare(signer, i, r.details(), *generation, now)?)
                                }
                                _ => None,
                            };
                            tick();
                            Ok(Prepared { seal, sm2 })
                        })
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(RegistryError::Pki(PkiError::Generate(
                        "worker panicked".into(),
                    )))
                })
            })
            .collect()
    });
    let mut all = Vec::with_capacity(todo.len());
    for p in prepared {
        all.extend(p?);
    }

    let mut tx = store.begin_write().await.map_err(StoreError::from)?;
    for p in &all {
        if let Some((seal, cert, key)) = &p.seal {
            seals::insert_seal(&mut **tx, seal).await?;
            seals::insert_cert(&mut **tx, cert, key).await?;
        }
        if let Some(n) = &p.sm2 {
            seal_sm2::insert(&mut **tx, &n.row, &n.key).await?;
        }
    }
    // Every cert the seal CAs signed and every SES_Seal the maker signed
    // is a key use: audited with the rows, in the same transaction.
    let uses = provision_uses(&all);
    let events: Vec<Event<'_>> = uses
        .iter()
        .map(|(action, id, detail)| Event {
            actor,
            action,
            seal_id: Some(*id),
            detail: detail.as_str(),
            ..Default::default()
        })
        .collect();
    audit::append_all(&mut tx, &events, now.unix_timestamp()).await?;
    tx.commit().await.map_err(StoreError::from)?;
    report.added = all
        .iter()
        .filter_map(|p| p.seal.as_ref().map(|s| s.0.seal_id.clone()))
        .collect();
    report.sm2_added = all
        .iter()
        .filter_map(|p| p.sm2.as_ref().map(|s| s.row.seal_id.clone()))
        .collect();
    Ok(report)
}

/// The audited key uses of a provisioning run: (action, seal, detail).
fn provision_uses(all: &[Prepared]) -> Vec<(&'static str, &str, String)> {
    let mut out = Vec::new();
    for p in all {
        if let Some((_, cert, _)) = &p.seal {
            out.push((
                "seal.provision",
                cert.seal_id.as_str(),
                format!(
                    "generation={} cert={} keys=seal_ca",
                    cert.generation, cert.serial_hex
                ),
            ));
        }
        if let Some(n) = &p.sm2 {
            out.push((
                "seal.provision_sm2",
                n.row.seal_id.as_str(),
                sm2_detail(&n.row),
            ));
        }
    }
    out
}

/// What an SM2 identity's making used: the SM2 seal CA's key (its cert) and
/// the maker's (its `SES_Seal`).
fn sm2_detail(row: &seal_sm2::Sm2Row) -> String {
    format!(
        "generation={} sm2_cert={} esl_sha256={} keys=sm2_seal_ca,sm2_maker",
        row.generation,
        row.serial_hex,
        hex::encode(crate::crypto::sha256(&row.esl_der))
    )
}

/// Every seal, optionally only those of one town.
pub async fn list(store: &Store, town: Option<&str>) -> Result<Vec<Seal>, RegistryError> {
    let rows = seals::all_seals(&store.pool).await?;
    rows.into_iter()
        .filter(|r| town.is_none_or(|t| r.town == t))
        .map(|r| Seal::from_row(r).map_err(RegistryError::from))
        .collect()
}

/// Every SM2 generation of a seal (cert and `SES_Seal`), oldest first.
pub async fn sm2_generations(
    store: &Store,
    id: &str,
) -> Result<Vec<seal_sm2::Sm2Row>, RegistryError> {
    Ok(seal_sm2::of_seal(&store.pool, id).await?)
}

/// One seal and every cert it has had.
pub async fn show(store: &Store, id: &str) -> Result<(Seal, Vec<SealCertRecord>), RegistryError> {
    let row = seals::get_seal(&store.pool, id)
        .await?
        .ok_or_else(|| RegistryError::UnknownSeal(id.into()))?;
    let certs = seals::certs_of(&store.pool, id).await?;
    Ok((Seal::from_row(row)?, certs))
}

/// What signing with a seal needs: the seal, its current cert, and the key
/// reference (still encrypted) for the signing core.
#[derive(Debug, Clone)]
pub struct SigningMaterial {
    pub seal: Seal,
    pub cert_der: Vec<u8>,
    pub key: KeyRef,
}

/// The current signing material of a seal; refused for revoked seals.
pub async fn signing_material(store: &Store, id: &str) -> Result<SigningMaterial, RegistryError> {
    let row = seals::get_seal(&store.pool, id)
        .await?
        .ok_or_else(|| RegistryError::UnknownSeal(id.into()))?;
    let seal = Seal::from_row(row)?;
    let (cert, key) = seals::current_key(&store.pool, id)
        .await?
        .ok_or_else(|| RegistryError::NoKey(id.into()))?;
    Ok(SigningMaterial {
        seal,
        cert_der: cert.cert_der,
        key,
    })
}

/// What sealing an OFD with a seal needs: its current SM2 cert, the key
/// reference for the signing core and its GB/T 38540 `SES_Seal`.
#[derive(Debug, Clone)]
pub struct Sm2SigningMaterial {
    pub cert_der: Vec<u8>,
    pub key: KeyRef,
    pub esl_der: Vec<u8>,
    pub serial_hex: String,
}

/// The current SM2 signing material of a seal.
pub async fn sm2_signing_material(
    store: &Store,
    id: &str,
) -> Result<Sm2SigningMaterial, RegistryError> {
    let (row, key) = seal_sm2::current_key(&store.pool, id)
        .await?
        .ok_or_else(|| RegistryError::NoSm2Key(id.into()))?;
    Ok(Sm2SigningMaterial {
        cert_der: row.cert_der,
        key,
        esl_der: row.esl_der,
        serial_hex: row.serial_hex,
    })
}

/// Revoke a seal's current cert (it lands on the CRL) and destroy its key.
pub async fn revoke(
    store: &Store,
    signer: &dyn Signer,
    pki: &Pki,
    sm2: Option<&Sm2Pki>,
    id: &str,
    reason: RevocationReason,
    actor: &str,
) -> Result<(), RegistryError> {
    let mut tx = store.begin_write().await.map_err(StoreError::from)?;
    let seal = seals::get_seal(&mut **tx, id)
        .await?
        .ok_or_else(|| RegistryError::UnknownSeal(id.into()))?;
    if seal.status == "revoked" {
        return Err(RegistryError::AlreadyRevoked(id.into()));
    }
    let now = crate::store::now_unix();
    let old_key = seals::current_key(&mut **tx, id).await?.map(|(_, k)| k);
    seals::revoke_current(&mut tx, id, reason.as_str(), now).await?;
    let sm2_revoked = seal_sm2::revoke_current(&mut tx, id, reason.as_str(), now).await?;
    let detail = format!("reason={} sm2_revoked={sm2_revoked}", reason.as_str());
    audit::append(
        &mut tx,
        &Event {
            actor,
            action: "seal.revoke",
            seal_id: Some(id),
            detail: &detail,
            ..Default::default()
        },
        now,
    )
    .await?;
    if sm2_revoked > 0 && sm2.is_none() {
        return Err(RegistryError::Seal(
            "the seal has an SM2 cert but the SM2 hierarchy is not loaded".into(),
        ));
    }
    let ca = super::crl_publication::Authorities { pki, sm2 };
    super::crl_publication::publish_revocation_in(&mut tx, signer, ca, actor).await?;
    tx.commit().await.map_err(StoreError::from)?;
    destroy_old_key(signer, old_key.as_ref());
    Ok(())
}

/// Destroy a key no row refers to any more (a token removes its object; a
/// wrapped blob went with its row). Committed already, so a failure is
/// logged, not returned: the key can no longer be used through eseal.
fn destroy_old_key(signer: &dyn Signer, key: Option<&KeyRef>) {
    if let Some(key) = key
        && let Err(e) = signer.destroy(key)
    {
        tracing::warn!(key = %key.label, error = %e, "a retired key is left on the token");
    }
}

fn roster_row_of(seal: &Seal) -> RosterRow {
    RosterRow {
        seal_id: seal.seal_id.clone(),
        level: seal.level,
        area_code: seal.area_code.clone(),
        town: seal.town.clone(),
        village: seal.village.clone(),
        holder: seal.holder.clone(),
        inscription: seal.inscription.clone(),
    }
}

/// Give a seal a new key and cert (and, with `national`, a new SM2 key, SM2
/// cert and `SES_Seal`). The old ones stay known (superseded) so documents
/// signed with them still verify; their keys are destroyed.
pub async fn rotate(
    store: &Store,
    signer: &dyn Signer,
    pki: &Pki,
    national: Option<&National<'_>>,
    id: &str,
    actor: &str,
) -> Result<CertRow, RegistryError> {
    let row = seals::get_seal(&store.pool, id)
        .await?
        .ok_or_else(|| RegistryError::UnknownSeal(id.into()))?;
    let seal = Seal::from_row(row)?;
    let roster_row = roster_row_of(&seal);
    let mut tx = store.begin_write().await.map_err(StoreError::from)?;
    let generation = seals::max_generation(&mut tx, id).await? + 1;
    let issuer = pki.seal_ca_issuer(signer)?;
    let now = OffsetDateTime::now_utc();
    let (cert, key) = prepare(pki, signer, &issuer, &roster_row, generation, now)?;
    // With the SM2 hierarchy: a new SM2 key, cert and SES_Seal of the same
    // generation; the old ones stay known (superseded), their key destroyed.
    let sm2 = match national {
        Some(n) => {
            let issuers = n.issuers(signer)?;
            Some(n.prepare(signer, &issuers, roster_row.details(), generation, now)?)
        }
        None => None,
    };
    let old_key = seals::current_key(&mut **tx, id).await?.map(|(_, k)| k);
    seals::supersede_current(&mut tx, id).await?;
    seals::insert_cert(&mut **tx, &cert, &key).await?;
    seal_sm2::supersede_current(&mut tx, id).await?;
    if let Some(n) = &sm2 {
        seal_sm2::insert(&mut **tx, &n.row, &n.key).await?;
    }
    // The seal CA's key signed the new cert (and the SM2 seal CA's and the
    // maker's the SM2 ones): audited like every key use.
    let mut detail = format!("generation={generation} serial={}", cert.serial_hex);
    if let Some(n) = &sm2 {
        detail = format!("{detail} {}", sm2_detail(&n.row));
    }
    audit::append(
        &mut tx,
        &Event {
            actor,
            action: "seal.rotate",
            seal_id: Some(id),
            detail: &detail,
            ..Default::default()
        },
        crate::store::now_unix(),
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    destroy_old_key(signer, old_key.as_ref());
    Ok(cert)
}
