//! The UI palette: semantic colours as written in a theme's `.toml`.

use serde::Deserialize;

/// The semantic palette, resolved to terminal colours.
#[derive(Clone, Debug, Deserialize)]
pub(super) struct Palette {
    pub(super) kind: String,
    pub(super) ui: UiColors,
    pub(super) method: MethodColors,
    pub(super) verdict: VerdictColors,
    pub(super) status: StatusColors,
    pub(super) json: JsonColors,
}

#[derive(Clone, Debug, Deserialize)]
pub(super) struct UiColors {
    pub(super) text: String,
    pub(super) background: String,
    pub(super) dim: String,
    pub(super) accent: String,
    pub(super) border: String,
    pub(super) border_focus: String,
    pub(super) title: String,
    pub(super) selection_fg: String,
    pub(super) selection_bg: String,
    pub(super) tab_active: String,
    pub(super) status_fg: String,
    pub(super) status_bg: String,
    pub(super) key: String,
    pub(super) line_number: String,
    pub(super) error: String,
    pub(super) warning: String,
    pub(super) note: String,
    pub(super) match_fg: String,
    pub(super) match_bg: String,
    pub(super) badge_fg: String,
    pub(super) masked: String,
}

#[derive(Clone, Debug, Deserialize)]
pub(super) struct MethodColors {
    pub(super) get: String,
    pub(super) post: String,
    pub(super) put: String,
    pub(super) patch: String,
    pub(super) delete: String,
    pub(super) other: String,
}

#[derive(Clone, Debug, Deserialize)]
pub(super) struct VerdictColors {
    pub(super) valid: String,
    pub(super) invalid: String,
    pub(super) missing: String,
    pub(super) unconfigured: String,
}

#[derive(Clone, Debug, Deserialize)]
pub(super) struct StatusColors {
    pub(super) success: String,
    pub(super) redirect: String,
    pub(super) client_error: String,
    pub(super) server_error: String,
    pub(super) none: String,
}

#[derive(Clone, Debug, Deserialize)]
pub(super) struct JsonColors {
    pub(super) key: String,
    pub(super) string: String,
    pub(super) number: String,
    pub(super) literal: String,
    pub(super) punctuation: String,
}
