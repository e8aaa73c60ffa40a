//! Decoding an uploaded photo by its content and re-encoding it. Re-encoding is what strips
//! EXIF (phones write the home's GPS position into it), XMP, ICC comments and anything else
//! riding along: only the pixels are carried over. The EXIF orientation is applied to the
//! pixels first, so a portrait photo stays upright without its tag.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

/// The long side of a stored photo at most, in pixels; larger ones are scaled down.
pub const MAX_SIDE: u32 = 2048;
/// The long side of a thumbnail at most, in pixels.
pub const THUMB_SIDE: u32 = 320;
/// Larger images are refused before decoding (a small file can claim huge dimensions).
const MAX_DECODED_SIDE: u32 = 12_000;
const MAX_DECODE_BYTES: u64 = 400 * 1024 * 1024;
const JPEG_QUALITY: u8 = 85;

/// A re-encoded photo and its thumbnail, both of `content_type`.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
    pub thumb_width: u32,
    pub thumb_height: u32,
    pub thumb: Vec<u8>,
    /// Hex SHA-256 of `bytes`.
    pub digest: String,
}

/// Why an upload is not a photo we take.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EncodeError {
    #[error("not an image (its content is not JPEG, PNG or WebP, whatever its name says)")]
    NotAnImage,
    #[error("a {0} image; only JPEG, PNG and WebP are accepted")]
    Unsupported(String),
    #[error("a broken or oversized image: {0}")]
    Broken(String),
}

fn broken(error: image::ImageError) -> EncodeError {
    EncodeError::Broken(error.to_string())
}

/// Decodes `bytes` by their content (the magic bytes, not a name or declared type) and
/// re-encodes them: PNG stays PNG (it may be a screenshot with sharp text or transparency),
/// JPEG and WebP become JPEG. CPU-bound: call it off the async threads.
pub fn encode(bytes: &[u8]) -> Result<Encoded, EncodeError> {
    let format = image::guess_format(bytes).map_err(|_| EncodeError::NotAnImage)?;
    let output = match format {
        ImageFormat::Png => ImageFormat::Png,
        ImageFormat::Jpeg | ImageFormat::WebP => ImageFormat::Jpeg,
        other => return Err(EncodeError::Unsupported(other.extensions_str().first().unwrap_or(&"unknown").to_uppercase())),
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DECODED_SIDE);
    limits.max_image_height = Some(MAX_DECODED_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(broken)?;
    let orientation = decoder.orientation().map_err(broken)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(broken)?;
    image.apply_orientation(orientation);
    if image.width() > MAX_SIDE || image.height() > MAX_SIDE {
        image = image.resize(MAX_SIDE, MAX_SIDE, FilterType::Triangle);
    }
    let thumb =
        if image.width() > THUMB_SIDE || image.height() > THUMB_SIDE { image.thumbnail(THUMB_SIDE, THUMB_SIDE) } else { image.clone() };
    let encoded = write(&image, output)?;
    let digest = Sha256::digest(&encoded).iter().map(|b| format!("{b:02x}")).collect();
    Ok(Encoded {
        content_type: output.to_mime_type(),
        width: image.width(),
        height: image.height(),
        bytes: encoded,
        thumb_width: thumb.width(),
        thumb_height: thumb.height(),
        thumb: write(&thumb, output)?,
        digest,
    })
}

/// The pixels alone in `format`: neither encoder writes EXIF unless given it.
fn write(image: &DynamicImage, format: ImageFormat) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::new();
    match format {
        ImageFormat::Jpeg => JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY).encode_image(&image.to_rgb8()).map_err(broken)?,
        _ => image.write_to(&mut Cursor::new(&mut out), ImageFormat::Png).map_err(broken)?,
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 90).encode_image(&image).unwrap();
        out
    }

    #[test]
    fn large_photos_are_scaled_to_the_limit_and_thumbnailed() {
        let encoded = encode(&jpeg(3000, 1500)).unwrap();
        assert_eq!((encoded.width, encoded.height), (MAX_SIDE, MAX_SIDE / 2));
        assert_eq!((encoded.thumb_width, encoded.thumb_height), (THUMB_SIDE, THUMB_SIDE / 2));
        assert_eq!(encoded.content_type, "image/jpeg");
        assert!(encoded.thumb.len() < encoded.bytes.len());
    }

    #[test]
    fn text_is_not_an_image_and_gif_is_not_taken() {
        assert_eq!(encode(b"hello, this is not a photo").unwrap_err(), EncodeError::NotAnImage);
        assert!(matches!(encode(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;").unwrap_err(), EncodeError::Unsupported(_)));
        let mut cut = jpeg(64, 64);
        cut.truncate(40);
        assert!(matches!(encode(&cut).unwrap_err(), EncodeError::Broken(_)));
    }
}
