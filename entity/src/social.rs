//! The social platforms whose profile link a domain row keeps, written once: the list in
//! [`social_platforms!`](crate::social_platforms) is the only place that names them. From it come
//! [`SocialPlatform`], [`SocialProfiles`] (what the extraction fills), the `domains` columns of
//! [`crate::domains::Model`], the field table of [`crate::fields`] (CSV columns, change history,
//! console) and the service's API row. A new platform is one line here, its extraction rule and
//! the migration adding its column.
//!
//! The list is a macro because a SeaORM model and an OpenAPI schema need one struct field per
//! column: each user of the list passes the name of a macro of its own, which receives every
//! platform as `Variant column "Label"` in column order.

use serde::{Deserialize, Serialize};

/// Calls the macro named `$then` with every social platform, in column order, as
/// `Variant column_name "Label",`.
#[macro_export]
macro_rules! social_platforms {
    ($then:ident) => {
        $then! {
            Twitter twitter_url "X / Twitter",
            Facebook facebook_url "Facebook",
            LinkedIn linkedin_url "LinkedIn",
            Instagram instagram_url "Instagram",
            YouTube youtube_url "YouTube",
            TikTok tiktok_url "TikTok",
            GitHub github_url "GitHub",
            Pinterest pinterest_url "Pinterest",
        }
    };
}

macro_rules! define_social_platforms {
    ($($variant:ident $column:ident $label:literal,)*) => {
        /// A platform whose profile link a domain row keeps.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum SocialPlatform {
            $($variant,)*
        }

        impl SocialPlatform {
            /// Every platform, in column order.
            pub const ALL: &[SocialPlatform] = &[$(SocialPlatform::$variant,)*];

            /// The `domains` column (and field of the API row) holding its profile link.
            pub fn column(self) -> &'static str {
                match self {
                    $(SocialPlatform::$variant => stringify!($column),)*
                }
            }

            /// Its name as people know it.
            pub fn label(self) -> &'static str {
                match self {
                    $(SocialPlatform::$variant => $label,)*
                }
            }
        }

        /// The first profile link per platform, normalised (https, no `www.`, no trailing
        /// slash).
        #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
        pub struct SocialProfiles {
            $(pub $column: Option<String>,)*
        }

        impl SocialProfiles {
            /// The profile link found for `platform`.
            pub fn get(&self, platform: SocialPlatform) -> Option<&str> {
                match platform {
                    $(SocialPlatform::$variant => self.$column.as_deref(),)*
                }
            }

            /// Where the profile link of `platform` is kept.
            pub fn slot(&mut self, platform: SocialPlatform) -> &mut Option<String> {
                match platform {
                    $(SocialPlatform::$variant => &mut self.$column,)*
                }
            }
        }
    };
}

social_platforms!(define_social_platforms);

impl SocialProfiles {
    /// Takes from `other` the profiles of the platforms this one has none for.
    pub fn fill_from(&mut self, other: &SocialProfiles) {
        for &platform in SocialPlatform::ALL {
            let slot = self.slot(platform);
            if slot.is_none() {
                *slot = other.get(platform).map(str::to_owned);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_platform_reads_and_writes_its_own_profile() {
        let mut profiles = SocialProfiles::default();
        for &platform in SocialPlatform::ALL {
            *profiles.slot(platform) = Some(platform.column().to_owned());
        }
        for &platform in SocialPlatform::ALL {
            assert_eq!(profiles.get(platform), Some(platform.column()));
        }
        let as_json = serde_json::to_value(&profiles).unwrap();
        for &platform in SocialPlatform::ALL {
            assert_eq!(as_json[platform.column()], platform.column());
        }
    }

    #[test]
    fn filling_keeps_the_profiles_already_found() {
        let mut home =
            SocialProfiles { facebook_url: Some("https://facebook.com/home".into()), ..Default::default() };
        let other = SocialProfiles {
            facebook_url: Some("https://facebook.com/other".into()),
            github_url: Some("https://github.com/acme".into()),
            ..Default::default()
        };
        home.fill_from(&other);
        assert_eq!(home.facebook_url.as_deref(), Some("https://facebook.com/home"));
        assert_eq!(home.github_url.as_deref(), Some("https://github.com/acme"));
    }
}
