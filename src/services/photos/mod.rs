//! Case photos: checked by their content, re-encoded without metadata (see [`encode`]),
//! thumbnailed, stored in the database or a folder, and served to the public only while no
//! moderation hides them.

pub mod encode;

use std::path::{Path, PathBuf};

use crate::model::photos::{NewPhoto, PhotoInfo, PhotoStage};
use crate::model::reports::{Action, CaseState};
use crate::services::auth::permissions::may_act;
use crate::services::auth::{CaseScope, Staff, may_read};
use crate::services::reports::published::Overlay;
use crate::services::reports::view::PublicPhoto;
use crate::services::{Catalog, ServiceError};

/// Photos one request may carry.
pub const MAX_PHOTOS: usize = 3;
/// The largest photo file taken, in bytes (5 MiB).
pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;

/// One uploaded file: which part it came in (for error messages) and its bytes.
#[derive(Debug, Clone)]
pub struct Upload {
    /// Names the part for the caller: `photo 2 ("IMG_0042.jpg")`.
    pub part: String,
    pub bytes: Vec<u8>,
}

/// Where photo bytes live: in the database (the default), or as files in a folder
/// (`--photo-dir`), named by the SHA-256 of their content, the row keeping the metadata.
#[derive(Debug, Clone, Default)]
pub struct PhotoStorage {
    folder: Option<PathBuf>,
}

impl PhotoStorage {
    pub fn in_database() -> PhotoStorage {
        PhotoStorage { folder: None }
    }

    /// Creates the folder if needed.
    pub fn in_folder(folder: &Path) -> std::io::Result<PhotoStorage> {
        std::fs::create_dir_all(folder)?;
        Ok(PhotoStorage { folder: Some(folder.to_owned()) })
    }

    fn file(folder: &Path, digest: &str, thumb: bool) -> PathBuf {
        folder.join(if thumb { format!("{digest}.thumb") } else { digest.to_owned() })
    }

    /// Writes a file and syncs it before the row naming it is stored, so an acknowledged
    /// photo's file is on disk. Content-addressed: a rewrite writes the same bytes.
    fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        use std::io::Write;
        let partial = path.with_extension("partial");
        let mut file = std::fs::File::create(&partial)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&partial, path)
    }

    async fn read(&self, catalog: &Catalog, photo: &PhotoInfo, thumb: bool) -> Result<Vec<u8>, ServiceError> {
        match (&self.folder, photo.in_folder) {
            (Some(folder), true) => {
                let path = PhotoStorage::file(folder, &photo.digest, thumb);
                tokio::fs::read(&path).await.map_err(|e| internal(format!("photo #{} file {}: {e}", photo.id, path.display())))
            }
            (None, true) => Err(internal(format!("photo #{} is kept in a folder, and no --photo-dir is given", photo.id))),
            (_, false) => catalog.store().photo_bytes(photo.id, thumb).await?.ok_or(ServiceError::NoSuchPhoto(photo.id)),
        }
    }
}

fn internal(message: String) -> ServiceError {
    ServiceError::Store(crate::store::StoreError::Database(message.into()))
}

fn invalid(reason: String) -> ServiceError {
    ServiceError::InvalidParameter { parameter: "photo", reason }
}

/// Checks and re-encodes uploads (off the async threads), and with a folder writes their
/// files: photos ready for [`crate::store::Store::insert_photos`]. Nothing is stored if any is bad.
pub async fn prepare(
    storage: &PhotoStorage,
    uploads: Vec<Upload>,
    stage: PhotoStage,
    uploaded_by: &str,
    now: i64,
) -> Result<Vec<NewPhoto>, ServiceError> {
    if uploads.len() > MAX_PHOTOS {
        return Err(invalid(format!("{} photos sent; at most {MAX_PHOTOS} are accepted", uploads.len())));
    }
    let encoded = tokio::task::spawn_blocking(move || {
        uploads
            .iter()
            .map(|upload| encode::encode(&upload.bytes).map_err(|e| invalid(format!("{}: {e}", upload.part))))
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .map_err(|e| internal(format!("encoding photos: {e}")))??;
    let mut photos = Vec::with_capacity(encoded.len());
    for photo in encoded {
        let (bytes, thumb) = match &storage.folder {
            Some(folder) => {
                let (folder, digest) = (folder.clone(), photo.digest.clone());
                let (image, small) = (photo.bytes, photo.thumb);
                tokio::task::spawn_blocking(move || {
                    PhotoStorage::write(&PhotoStorage::file(&folder, &digest, false), &image)?;
                    PhotoStorage::write(&PhotoStorage::file(&folder, &digest, true), &small)
                })
                .await
                .map_err(|e| internal(format!("writing a photo: {e}")))?
                .map_err(|e| internal(format!("writing a photo file: {e}")))?;
                (None, None)
            }
            None => (Some(photo.bytes), Some(photo.thumb)),
        };
        photos.push(NewPhoto {
            stage,
            content_type: photo.content_type.to_owned(),
            width: photo.width,
            height: photo.height,
            thumb_width: photo.thumb_width,
            thumb_height: photo.thumb_height,
            digest: photo.digest,
            bytes,
            thumb,
            uploaded_by: uploaded_by.to_owned(),
            created_at: now,
        });
    }
    Ok(photos)
}

/// A handler's photos of the work done ("after"), added to a case in progress or resolved
/// by a token that may resolve it. Answers every photo of the case the public may see.
pub async fn add_after(
    catalog: &Catalog,
    storage: &PhotoStorage,
    staff: &Staff,
    case_number: &str,
    uploads: Vec<Upload>,
    now: i64,
) -> Result<Vec<PublicPhoto>, ServiceError> {
    let (report, _) = catalog.store().report(case_number).await?.ok_or_else(|| ServiceError::NoSuchCase(case_number.to_owned()))?;
    may_act(staff, Action::Resolve, &CaseScope::of(&report))?;
    if !matches!(report.state, CaseState::InProgress | CaseState::Resolved) {
        return Err(ServiceError::Conflict(format!(
            "case {case_number} is {}; after-photos are added while it is in progress or resolved",
            report.state
        )));
    }
    if uploads.is_empty() {
        return Err(invalid("no photo part sent".into()));
    }
    let photos = prepare(storage, uploads, PhotoStage::After, &staff.actor(), now).await?;
    catalog.store().insert_photos(Some(case_number), &photos).await?.ok_or_else(|| ServiceError::NoSuchCase(case_number.to_owned()))?;
    let overlay = Overlay::load(catalog, &[case_number.to_owned()]).await?;
    Ok(overlay.public_photos(case_number))
}

/// A photo's bytes as served, and whether anyone may cache them.
#[derive(Debug)]
pub struct Served {
    pub content_type: String,
    pub digest: String,
    pub bytes: Vec<u8>,
    /// Shown to the public: cacheable by anyone. Otherwise seen by staff only.
    pub public: bool,
}

/// A photo (or its thumbnail) for `reader`: to anyone while the public may see it, else
/// only to staff who may read its case; "no such photo" to everyone else.
pub async fn serve(
    catalog: &Catalog,
    storage: &PhotoStorage,
    reader: Option<&Staff>,
    id: i64,
    thumb: bool,
) -> Result<Served, ServiceError> {
    let photo = catalog.store().photo(id).await?.ok_or(ServiceError::NoSuchPhoto(id))?;
    let Some(case) = photo.case_number.clone() else { return Err(ServiceError::NoSuchPhoto(id)) };
    let overlay = Overlay::load(catalog, std::slice::from_ref(&case)).await?;
    let public = overlay.public_photos(&case).iter().any(|p| p.id == id);
    if !public {
        let Some(staff) = reader else { return Err(ServiceError::NoSuchPhoto(id)) };
        let (report, _) = catalog.store().report(&case).await?.ok_or(ServiceError::NoSuchPhoto(id))?;
        if !may_read(staff, &CaseScope::of(&report)) {
            return Err(ServiceError::NoSuchPhoto(id));
        }
    }
    let bytes = storage.read(catalog, &photo, thumb).await?;
    Ok(Served { content_type: photo.content_type, digest: if thumb { format!("{}-t", photo.digest) } else { photo.digest }, bytes, public })
}
