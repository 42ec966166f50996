//! An installation: its settings, database, signing core and PKI, opened
//! together. `init` creates one; `open` loads one.

use std::sync::Arc;

use crate::configuration::Settings;
use crate::crypto::{FileKeystore, MasterKey, Signer};
use crate::pki::{CaKind, Pki, Sm2Pki};
use crate::store::{self, Store, StoreError, meta};

/// Errors opening or creating an installation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InstallationError {
    #[error("{0} is already initialised; refusing to overwrite it")]
    AlreadyInitialised(String),
    #[error("{0} is not initialised: run `eseal init` first")]
    NotInitialised(String),
    #[error(
        "the master key does not belong to this installation (key {found}, installation expects {expected})"
    )]
    WrongMasterKey { found: String, expected: String },
    #[error(transparent)]
    Crypto(#[from] crate::crypto::CryptoError),
    #[error(transparent)]
    Pki(#[from] crate::pki::PkiError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("this installation has no SM2 hierarchy yet: run `eseal pki add-sm2`")]
    NoSm2,
    #[error("{0}")]
    Io(String),
    #[error(transparent)]
    Custody(#[from] crate::custody::CustodyError),
}

impl From<sqlx::Error> for InstallationError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(StoreError::Db(e))
    }
}

/// An opened installation.
pub struct Installation {
    pub settings: Settings,
    pub store: Store,
    pub signer: Arc<dyn Signer>,
    pub pki: Pki,
    /// The national-standard (SM2) hierarchy; `None` in installations made
    /// before it existed until `eseal pki add-sm2` runs.
    pub sm2: Option<Sm2Pki>,
    /// The public base URL documents link to (fixed at init).
    pub public_url: String,
    /// Demo installations mark every document 样本.
    pub specimen: bool,
}

impl std::fmt::Debug for Installation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Installation")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

const FINGERPRINT: &str = "master_key_fingerprint";
/// Meta key: the installation's random id, carried by its root share files.
pub const INSTALLATION_ID: &str = "installation_id";
/// Meta key: how the root keys are kept (`shares M-of-N split ID`).
pub const ROOT_CUSTODY: &str = "root_custody";
/// Meta key: "1" in demo installations, whose documents are specimens.
pub const SPECIMEN: &str = "specimen";

/// What `init` created.
#[derive(Debug)]
pub struct InitReport {
    pub master_key_path: std::path::PathBuf,
    pub master_key_created: bool,
    pub root_fingerprint: String,
    pub sm2_root_fingerprint: String,
    /// The custodians' share files, when the root went offline.
    pub root_shares: Vec<std::path::PathBuf>,
    /// The split (`M-of-N`) and the end of the run of root CRLs signed ahead.
    pub root_custody: Option<(crate::custody::Threshold, i64)>,
}

/// The share files for `dir`: refuses a directory that already holds any.
fn check_shares_dir(dir: &std::path::Path) -> Result<(), InstallationError> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for e in entries.flatten() {
        if e.file_name().to_string_lossy().starts_with("root-share-") {
            return Err(InstallationError::AlreadyInitialised(format!(
                "{} (it holds root share files)",
                dir.display()
            )));
        }
    }
    Ok(())
}

/// Write the custodians' files into `dir` (0700; each 0600, new). On a
/// failure the files written are removed again.
fn write_share_files(
    dir: &std::path::Path,
    files: &[crate::custody::share_file::ShareFile],
) -> Result<Vec<std::path::PathBuf>, InstallationError> {
    let io = |p: &std::path::Path, e: std::io::Error| {
        InstallationError::Io(format!("{}: {e}", p.display()))
    };
    super::data_dir::create_dir(dir).map_err(|e| io(dir, e))?;
    let mut written = Vec::new();
    for f in files {
        let path = dir.join(crate::custody::share_file::file_name(f.index, f.shares));
        if let Err(e) = super::data_dir::write_file(&path, f.to_text().as_bytes()) {
            remove_files(&written);
            return Err(io(&path, e));
        }
        written.push(path);
    }
    Ok(written)
}

fn remove_files(paths: &[std::path::PathBuf]) {
    for p in paths {
        let _ = std::fs::remove_file(p);
    }
}

fn write_private_file(path: &std::path::Path, contents: &[u8]) -> Result<(), InstallationError> {
    super::data_dir::write_file(path, contents)
        .map_err(|e| InstallationError::Io(format!("{}: {e}", path.display())))
}

impl Installation {
    /// Create a new installation. Refuses, changing nothing, if the data dir
    /// or the database already holds one.
    pub async fn init(settings: &Settings) -> Result<InitReport, InstallationError> {
        let dir = &settings.data_dir;
        let dir_name = dir.display().to_string();
        let db_file = dir.join("eseal.db");
        let own_key_file = dir.join("master.key");
        if db_file.exists() || (settings.master_key_file.is_none() && own_key_file.exists()) {
            return Err(InstallationError::AlreadyInitialised(dir_name));
        }
        if settings.root_shares.is_some() {
            check_shares_dir(&settings.root_shares_path())?;
        }
        let created_dir = !dir.exists();
        super::data_dir::create_dir(dir)
            .map_err(|e| InstallationError::Io(format!("{dir_name}: {e}")))?;
        // The database file exists, 0600, before SQLite opens it (its -wal
        // and -shm files take its mode).
        let result = match settings.database_url {
            None => super::data_dir::create_file(&db_file)
                .map(drop)
                .map_err(|e| InstallationError::Io(format!("{}: {e}", db_file.display()))),
            Some(_) => Ok(()),
        };
        let result = match result {
            Ok(()) => Self::init_inner(settings).await,
            Err(e) => Err(e),
        };
        if result.is_err() {
            // Leave the data dir as it was.
            if settings.database_url.is_none() {
                let _ = std::fs::remove_file(&db_file);
                let _ = std::fs::remove_file(dir.join("eseal.db-wal"));
                let _ = std::fs::remove_file(dir.join("eseal.db-shm"));
            }
            // A key file this call made, in a data dir this call made.
            if settings.master_key_file.is_none() && created_dir {
                let _ = std::fs::remove_file(&own_key_file);
            }
            if created_dir {
                let _ = std::fs::remove_dir(dir);
            }
        }
        result
    }

    async fn init_inner(settings: &Settings) -> Result<InitReport, InstallationError> {
        let store = Store::connect(&settings.database_url()).await?;
        if crate::store::ca::get(&store.pool, CaKind::Root)
            .await?
            .is_some()
        {
            store.close().await;
            return Err(InstallationError::AlreadyInitialised(
                settings.database_url(),
            ));
        }
        let (master, created) = match &settings.master_key_file {
            Some(p) => (MasterKey::from_file(p)?, false),
            None => (MasterKey::generate()?, true),
        };
        let (keystore, keystore_records) = super::keystore::for_init(settings, &master)?;
        let started = time::OffsetDateTime::now_utc();
        let mut pki = Pki::create(&keystore, &settings.public_url, started)?;
        let mut sm2 = Sm2Pki::create(&keystore, &settings.public_url, started)?;
        let now = store::now_unix();
        let installation_id = hex::encode(crate::crypto::random_bytes(16)?);
        // The root keys' last online use: the root CRLs ahead, then the split.
        let offline = match settings.root_shares {
            Some(threshold) => {
                let run = crate::custody::root_crl_run::sign(
                    &pki,
                    &keystore,
                    &[],
                    1,
                    started,
                    settings.root_crl_days,
                )?;
                // The root keys are wrapped under the master key whatever
                // keystore holds the other keys.
                let files = crate::custody::offline_root::split_roots(
                    &FileKeystore::new(&master)?,
                    &[&pki.root, &sm2.root],
                    &installation_id,
                    threshold,
                    now,
                )?;
                pki.root.key.wrapped.clear();
                sm2.root.key.wrapped.clear();
                Some((threshold, run, files))
            }
            None => None,
        };
        let mut tx = store.begin_write().await?;
        for m in [&pki.root, &pki.seal_ca, &pki.tsa]
            .into_iter()
            .chain(sm2.materials())
        {
            store::ca::insert(&mut **tx, m, now).await?;
        }
        meta::set(&mut **tx, FINGERPRINT, &master.fingerprint()).await?;
        meta::set(&mut **tx, "public_url", &settings.public_url).await?;
        for (key, value) in &keystore_records {
            meta::set(&mut **tx, key, value).await?;
        }
        meta::set(&mut **tx, INSTALLATION_ID, &installation_id).await?;
        // The new CA keys signed the hierarchies' certs: the log's first entry.
        let mut detail = format!(
            "root={} sm2_root={} keys=root,seal_ca,tsa,sm2_root",
            crate::pki::fingerprint_sha256(&pki.root.cert_der),
            crate::pki::fingerprint_sha256(&sm2.root.cert_der)
        );
        let mut root_custody = None;
        if let Some((threshold, run, files)) = &offline {
            crate::custody::root_crl_run::store_in(&mut tx, run, now).await?;
            let split = files.first().map(|f| f.split.as_str()).unwrap_or_default();
            meta::set(
                &mut **tx,
                ROOT_CUSTODY,
                &format!("shares {threshold} split {split}"),
            )
            .await?;
            detail.push_str(&format!(
                " {} root_offline=shares:{threshold} split={split}",
                crate::custody::root_crl_run::describe(run)
            ));
            root_custody = Some((*threshold, run.last().map_or(0, |c| c.next_update)));
        }
        audit_ca_use(&mut tx, "pki.init", &detail, now).await?;
        let shares = match &offline {
            Some((_, _, files)) => write_share_files(&settings.root_shares_path(), files)?,
            None => Vec::new(),
        };
        let written = async move {
            if created {
                write_private_file(&settings.master_key_path(), master.to_text().as_bytes())?;
            }
            tx.commit().await?;
            Ok::<_, InstallationError>(())
        }
        .await;
        if let Err(e) = written {
            remove_files(&shares);
            let _ = std::fs::remove_dir(settings.root_shares_path());
            store.close().await;
            return Err(e);
        }
        store.close().await;
        Ok(InitReport {
            master_key_path: settings.master_key_path(),
            master_key_created: created,
            root_fingerprint: crate::pki::fingerprint_sha256(&pki.root.cert_der),
            sm2_root_fingerprint: crate::pki::fingerprint_sha256(&sm2.root.cert_der),
            root_shares: shares,
            root_custody,
        })
    }

    /// Open an existing installation and check the master key belongs to it.
    pub async fn open(settings: &Settings) -> Result<Self, InstallationError> {
        if settings.database_url.is_none() && !settings.data_dir.join("eseal.db").exists() {
            return Err(InstallationError::NotInitialised(
                settings.data_dir.display().to_string(),
            ));
        }
        if settings.data_dir.is_dir() {
            // An older installation may have left them readable by others.
            let changed = super::data_dir::make_private(&settings.data_dir).map_err(|e| {
                InstallationError::Io(format!("{}: {e}", settings.data_dir.display()))
            })?;
            for path in changed {
                tracing::warn!(path = %path.display(), "permissions tightened: readable by the service's user only");
            }
        }
        let store = Store::connect(&settings.database_url()).await?;
        let load = |kind| {
            let pool = store.pool.clone();
            async move { crate::store::ca::get(&pool, kind).await }
        };
        let (Some(root), Some(seal_ca), Some(tsa)) = (
            load(CaKind::Root).await?,
            load(CaKind::SealCa).await?,
            load(CaKind::Tsa).await?,
        ) else {
            return Err(InstallationError::NotInitialised(settings.database_url()));
        };
        let master = MasterKey::from_file(&settings.master_key_path())?;
        let expected = meta::get(&store.pool, FINGERPRINT)
            .await?
            .unwrap_or_default();
        let master = if master.fingerprint() == expected {
            master
        } else if let Some(new) = finish_rotation(settings, &expected)? {
            new
        } else {
            return Err(InstallationError::WrongMasterKey {
                found: master.fingerprint(),
                expected,
            });
        };
        let public_url = meta::get(&store.pool, "public_url")
            .await?
            .unwrap_or_else(|| settings.public_url.clone());
        let keystore = super::keystore::for_open(settings, &store, &master).await?;
        let pki = Pki {
            crl_url: crate::pki::crl_url_for(&public_url),
            root,
            seal_ca,
            tsa,
        };
        let sm2 = load_sm2(&store, &public_url).await?;
        let specimen = meta::get(&store.pool, SPECIMEN).await?.as_deref() == Some("1");
        Ok(Self {
            settings: settings.clone(),
            store,
            signer: Arc::new(keystore),
            pki,
            sm2,
            public_url,
            specimen,
        })
    }
}

/// Where a new master key waits while a rotation commits: beside the key
/// file, `KEY.new`.
pub fn pending_master_key_path(settings: &Settings) -> std::path::PathBuf {
    let mut p = settings.master_key_path().into_os_string();
    p.push(".new");
    p.into()
}

/// A rotation that committed but did not get to move its new key file into
/// place (a crash between the two): the database expects the new key,
/// which waits in `KEY.new`. Move it into place and use it.
fn finish_rotation(
    settings: &Settings,
    expected: &str,
) -> Result<Option<MasterKey>, InstallationError> {
    let pending = pending_master_key_path(settings);
    if !pending.exists() {
        return Ok(None);
    }
    let new = MasterKey::from_file(&pending)?;
    if new.fingerprint() != expected {
        return Ok(None);
    }
    let path = settings.master_key_path();
    std::fs::rename(&pending, &path)
        .map_err(|e| InstallationError::Io(format!("{}: {e}", path.display())))?;
    tracing::warn!(path = %path.display(), "finished an interrupted master key rotation: the new key is in place");
    Ok(Some(new))
}

/// What a master key rotation did.
#[derive(Debug)]
pub struct RotationReport {
    pub blobs: usize,
    pub old_fingerprint: String,
    pub new_fingerprint: String,
    pub key_path: std::path::PathBuf,
}

impl Installation {
    /// `eseal master-key rotate`: a new master key, every key blob
    /// re-wrapped under it in one transaction (see
    /// [`crate::custody::master_key_rotation`]), then the new key file moved
    /// over the old one. The new key is on disk (`KEY.new`, synced) before
    /// the transaction commits, so no crash loses it; until the commit the
    /// old key works and `KEY.new` is ignored (and removed by the next
    /// rotation); after it, [`Installation::open`] finishes a rename that a
    /// crash interrupted. Run it with the service stopped.
    pub async fn rotate_master_key(
        &self,
        fail: crate::custody::master_key_rotation::InjectedFailure,
    ) -> Result<RotationReport, InstallationError> {
        let path = self.settings.master_key_path();
        let pending = pending_master_key_path(&self.settings);
        let old = MasterKey::from_file(&path)?;
        if pending.exists() {
            // Left by a rotation that never committed (open checked that
            // the database still expects the old key).
            std::fs::remove_file(&pending)
                .map_err(|e| InstallationError::Io(format!("{}: {e}", pending.display())))?;
        }
        let new = MasterKey::generate()?;
        write_private_file(&pending, new.to_text().as_bytes())?;
        let (old_store, new_store) = (FileKeystore::new(&old)?, FileKeystore::new(&new)?);
        let (old_fp, new_fp) = (old.fingerprint(), new.fingerprint());
        let blobs = match crate::custody::master_key_rotation::rewrap_all(
            &self.store,
            &old_store,
            &new_store,
            (FINGERPRINT, old_fp.as_str(), new_fp.as_str()),
            fail,
        )
        .await
        {
            Ok(n) => n,
            Err(e) => {
                let _ = std::fs::remove_file(&pending);
                return Err(e.into());
            }
        };
        std::fs::rename(&pending, &path)
            .map_err(|e| InstallationError::Io(format!("{}: {e}", path.display())))?;
        if let Some(dir) = path.parent()
            && let Ok(d) = std::fs::File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(RotationReport {
            blobs,
            old_fingerprint: old_fp,
            new_fingerprint: new_fp,
            key_path: path,
        })
    }
}

/// Audit a CA key use by the operator (creating a hierarchy).
async fn audit_ca_use(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    action: &str,
    detail: &str,
    at: i64,
) -> Result<(), StoreError> {
    let event = crate::audit::Event {
        actor: "cli",
        action,
        detail,
        ..Default::default()
    };
    crate::audit::append(tx, &event, at).await?;
    Ok(())
}

/// The SM2 hierarchy if this installation has one (all four certs or none).
async fn load_sm2(store: &Store, public_url: &str) -> Result<Option<Sm2Pki>, InstallationError> {
    let mut found = Vec::new();
    for kind in [
        CaKind::Sm2Root,
        CaKind::Sm2SealCa,
        CaKind::Sm2Maker,
        CaKind::Sm2Tsa,
    ] {
        found.push(crate::store::ca::get(&store.pool, kind).await?);
    }
    Ok(match <[Option<_>; 4]>::try_from(found) {
        Ok([Some(root), Some(seal_ca), Some(maker), Some(tsa)]) => Some(Sm2Pki {
            root,
            seal_ca,
            maker,
            tsa,
            crl_url: crate::pki::sm2_crl_url_for(public_url),
        }),
        _ => None,
    })
}

impl Installation {
    /// `eseal pki root-offline`: an installation whose root keys are online
    /// (made before issue 16, or without shares) takes them offline as
    /// `init` does: a run of root CRLs signed ahead, the bundle split
    /// `threshold` into `dir`, the keys' blobs emptied, in one transaction
    /// (the share files are written before it commits and removed if it
    /// fails). Refused if the ECDSA root is already offline.
    pub async fn take_root_offline(
        &mut self,
        threshold: crate::custody::Threshold,
        dir: &std::path::Path,
    ) -> Result<(Vec<std::path::PathBuf>, i64), InstallationError> {
        use crate::custody::{offline_root, root_crl_run};
        if self.pki.root_offline() {
            return Err(InstallationError::AlreadyInitialised(
                "the root keys' offline custody".into(),
            ));
        }
        check_shares_dir(dir)?;
        let master = MasterKey::from_file(&self.settings.master_key_path())?;
        let unwrapper = FileKeystore::new(&master)?;
        let now = store::now_unix();
        let id = match meta::get(&self.store.pool, INSTALLATION_ID).await? {
            Some(id) => id,
            None => hex::encode(crate::crypto::random_bytes(16)?),
        };
        let mut roots = vec![&self.pki.root];
        if let Some(sm2) = &self.sm2 {
            roots.push(&sm2.root);
        }
        let files = offline_root::split_roots(&unwrapper, &roots, &id, threshold, now)?;
        let mut tx = self.store.begin_write().await?;
        let run = root_crl_run::sign_and_store_in(
            &mut tx,
            &self.pki,
            self.signer.as_ref(),
            now,
            self.settings.root_crl_days,
        )
        .await?;
        for m in &roots {
            store::ca::clear_key(&mut **tx, m.kind).await?;
        }
        let split = files.first().map(|f| f.split.as_str()).unwrap_or_default();
        meta::set(&mut **tx, INSTALLATION_ID, &id).await?;
        meta::set(
            &mut **tx,
            ROOT_CUSTODY,
            &format!("shares {threshold} split {split}"),
        )
        .await?;
        let detail = format!(
            "keys=root{} {} root_offline=shares:{threshold} split={split}",
            if roots.len() > 1 { ",sm2_root" } else { "" },
            root_crl_run::describe(&run)
        );
        audit_ca_use(&mut tx, "pki.root_offline", &detail, now).await?;
        let written = write_share_files(dir, &files)?;
        if let Err(e) = tx.commit().await {
            remove_files(&written);
            return Err(e.into());
        }
        self.pki.root.key.wrapped.clear();
        if let Some(sm2) = &mut self.sm2 {
            sm2.root.key.wrapped.clear();
        }
        Ok((written, run.last().map_or(0, |c| c.next_update)))
    }

    /// Give an existing installation the SM2 hierarchy, leaving the ECDSA
    /// one untouched. Refused if it already has one.
    pub async fn add_sm2(&mut self) -> Result<&Sm2Pki, InstallationError> {
        if self.sm2.is_some() {
            return Err(InstallationError::AlreadyInitialised(
                "the SM2 hierarchy".into(),
            ));
        }
        let sm2 = Sm2Pki::create(
            self.signer.as_ref(),
            &self.public_url,
            time::OffsetDateTime::now_utc(),
        )?;
        let now = store::now_unix();
        let mut tx = self.store.begin_write().await?;
        for m in sm2.materials() {
            store::ca::insert(&mut **tx, m, now).await?;
        }
        let detail = format!(
            "sm2_root={} keys=sm2_root",
            crate::pki::fingerprint_sha256(&sm2.root.cert_der)
        );
        audit_ca_use(&mut tx, "pki.add_sm2", &detail, now).await?;
        tx.commit().await?;
        Ok(self.sm2.insert(sm2))
    }

    /// What giving seals their SM2 identity needs, if this installation has
    /// the SM2 hierarchy.
    pub fn national(
        &self,
    ) -> Result<Option<crate::seal::national::National<'_>>, InstallationError> {
        let Some(sm2) = &self.sm2 else {
            return Ok(None);
        };
        let font = crate::font::load(&self.settings.font)
            .map_err(|e| InstallationError::Io(format!("font {}: {e}", self.settings.font)))?;
        Ok(Some(crate::seal::national::National { sm2, font }))
    }

    /// The SM2 hierarchy, or an error telling the operator how to add it.
    pub fn sm2(&self) -> Result<&Sm2Pki, InstallationError> {
        self.sm2.as_ref().ok_or(InstallationError::NoSm2)
    }
}

impl Installation {
    /// Mark this installation as a specimen (the demo): its documents say
    /// so on their face. Stored, so every later process sees it too.
    pub async fn mark_specimen(&mut self) -> Result<(), InstallationError> {
        meta::set(&self.store.pool, SPECIMEN, "1").await?;
        self.specimen = true;
        Ok(())
    }

    /// Whether a root key (ECDSA or SM2) is in the online keystore.
    pub fn root_online(&self) -> bool {
        !self.pki.root_offline()
            || self
                .sm2
                .as_ref()
                .is_some_and(|s| !s.root.key.wrapped.is_empty())
    }

    /// The installation's id (carried by its root share files).
    pub async fn installation_id(&self) -> Result<String, InstallationError> {
        meta::get(&self.store.pool, INSTALLATION_ID)
            .await?
            .ok_or_else(|| {
                InstallationError::Io("this installation has no id: it has no root shares".into())
            })
    }

    /// The root cert of the installation behind `store`, if it has one:
    /// public material only, read without opening the keystore (the
    /// verifier's trust anchor).
    pub async fn root_cert(store: &Store) -> Result<Option<Vec<u8>>, InstallationError> {
        Ok(crate::store::ca::get(&store.pool, CaKind::Root)
            .await?
            .map(|m| m.cert_der))
    }

    /// The built-in RFC 3161 authority, signing with the TSA key.
    pub fn timestamp_authority(&self) -> Result<crate::tsa::TimestampAuthority, InstallationError> {
        let policy = self
            .settings
            .tsa_policy
            .unwrap_or(crate::tsa::DEFAULT_POLICY);
        crate::tsa::TimestampAuthority::new(
            self.signer.clone(),
            self.pki.tsa.key.clone(),
            self.pki.tsa.cert_der.clone(),
            vec![self.pki.root.cert_der.clone()],
            policy,
        )
        .map_err(|e| InstallationError::Io(format!("timestamp authority: {e}")))
    }
}

impl Installation {
    /// The SM2 timestamp authority (GB/T 20520), signing with the SM2 TSA key.
    pub fn sm2_timestamp_authority(
        &self,
    ) -> Result<crate::tsa::TimestampAuthority, InstallationError> {
        let sm2 = self.sm2()?;
        let policy = self
            .settings
            .tsa_policy
            .unwrap_or(crate::tsa::DEFAULT_POLICY);
        crate::tsa::TimestampAuthority::new(
            self.signer.clone(),
            sm2.tsa.key.clone(),
            sm2.tsa.cert_der.clone(),
            vec![sm2.root.cert_der.clone()],
            policy,
        )
        .map(crate::tsa::TimestampAuthority::into_sm2)
        .map_err(|e| InstallationError::Io(format!("SM2 timestamp authority: {e}")))
    }
}
