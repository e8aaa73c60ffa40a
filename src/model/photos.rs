//! Photos of a case and the moderation of what the public sees of it.

use super::vocabulary::vocabulary;

vocabulary! {
    /// When a photo was taken: with the report, or by the handler once the work was done.
    PhotoStage {
        Before = "before" / "上报照片" / "reported",
        After = "after" / "处置后照片" / "after the work",
    }
}

vocabulary! {
    /// What a moderator hides or redacts: the report's text, one photo, or one public reply.
    ModerationTarget {
        Description = "description" / "问题描述" / "description",
        Photo = "photo" / "照片" / "photo",
        Reply = "reply" / "公开答复" / "public reply",
    }
}

vocabulary! {
    /// Hiding takes the content out of public view; redacting shows a fixed notice instead
    /// of the text (a photo, which has no text, is hidden either way).
    ModerationAction {
        Hide = "hide" / "隐藏" / "hide",
        Redact = "redact" / "屏蔽" / "redact",
    }
}

/// What the public sees instead of a redacted text.
pub const REDACTED_TEXT: &str = "[内容已被管理员隐藏]";

/// A re-encoded photo to store: the image and its thumbnail (both without any metadata).
#[derive(Debug, Clone, PartialEq)]
pub struct NewPhoto {
    pub stage: PhotoStage,
    /// `image/jpeg` or `image/png` (WebP is re-encoded as JPEG); the thumbnail has the same type.
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    pub thumb_width: u32,
    pub thumb_height: u32,
    /// Hex SHA-256 of `bytes`: the photo's entity tag.
    pub digest: String,
    /// `None` when the bytes live in the photo folder rather than the database.
    pub bytes: Option<Vec<u8>>,
    pub thumb: Option<Vec<u8>>,
    /// The audit trail's actor: a staff token's `actor()`, or the report's source.
    pub uploaded_by: String,
    pub created_at: i64,
}

/// A stored photo's metadata (its bytes are read apart, only when served).
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoInfo {
    pub id: i64,
    /// `None` while the submission it came with is being stored.
    pub case_number: Option<String>,
    pub stage: PhotoStage,
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    pub thumb_width: u32,
    pub thumb_height: u32,
    pub digest: String,
    /// Kept in the photo folder, not in the database.
    pub in_folder: bool,
    pub uploaded_by: String,
    pub created_at: i64,
    /// A moderation in force hides it from the public.
    pub hidden: bool,
}

/// One moderation: who hid or redacted what and why, and who reverted it, if anyone.
#[derive(Debug, Clone, PartialEq)]
pub struct Moderation {
    pub id: i64,
    pub case_number: String,
    pub target: ModerationTarget,
    /// The photo's id or the event's id; `None` for the description.
    pub target_id: Option<i64>,
    pub action: ModerationAction,
    pub reason: String,
    /// The staff token's actor name (`role#id`).
    pub moderated_by: String,
    pub moderated_at: i64,
    pub reverted_by: Option<String>,
    pub reverted_at: Option<i64>,
}

impl Moderation {
    /// Not reverted: it shapes what the public sees.
    pub fn in_force(&self) -> bool {
        self.reverted_at.is_none()
    }
}
