//! The macro behind every closed vocabulary of the model.

/// Defines a closed vocabulary: its wire names, Chinese and English labels (written here
/// once: `/api/vocabulary` serves them to the page) and a parser whose error lists every
/// allowed value, so that import and HTTP errors can name them.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $wire:literal / $zh:literal / $en:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        // By hand rather than derived, so that serde's words are exactly the wire words
        // (a derived snake_case would turn `Hotline12345` into `hotline12345`).
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The snake_case word used on the wire and in the database.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            /// The Chinese label shown to people.
            pub fn label_zh(self) -> &'static str {
                match self { $($name::$variant => $zh),+ }
            }

            /// The English label, for the page's English view and English-speaking clients.
            pub fn label_en(self) -> &'static str {
                match self { $($name::$variant => $en),+ }
            }

            /// Parses the wire word or the Chinese label, as people type either in spreadsheets.
            pub fn from_word_or_label(text: &str) -> Result<Self, String> {
                match text {
                    $($wire | $zh => Ok($name::$variant),)+
                    other => Err(format!(
                        "unknown value {other:?}, expected one of: {}",
                        [$(concat!($wire, " (", $zh, ")")),+].join(", ")
                    )),
                }
            }

            /// Every allowed wire word, for error messages.
            pub fn allowed() -> String {
                [$($wire),+].join(", ")
            }
        }

        impl $crate::model::vocabulary::Word for $name {
            fn all() -> &'static [Self] { $name::ALL }
            fn as_str(self) -> &'static str { $name::as_str(self) }
            fn label_zh(self) -> &'static str { $name::label_zh(self) }
            fn label_en(self) -> &'static str { $name::label_en(self) }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($wire => Ok($name::$variant),)+
                    other => Err(format!("unknown value {other:?}, expected one of: {}", Self::allowed())),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use vocabulary;

/// What every closed vocabulary offers, so that code can list any of them alike (as
/// `/api/vocabulary` does).
pub trait Word: Copy + 'static {
    /// Every value, in the order the vocabulary is written.
    fn all() -> &'static [Self];
    fn as_str(self) -> &'static str;
    fn label_zh(self) -> &'static str;
    fn label_en(self) -> &'static str;
}
