//! A built-in snapshot of the real GraceDB server's vocabulary: groups, pipelines, searches,
//! labels, blessed tags, the pipeline → event-subclass table used when an event file is
//! uploaded, and the fixed code → display-name tables that the API root (`GET /api/`) publishes.
//!
//! The sandbox server publishes these in its API root and validates requests against them; the
//! static manifest checks use them to flag names the real server would reject.
//!
//! # Provenance
//!
//! Names only (they are data); nothing else was taken over. Source: the public GitHub mirror
//! `dwysocki/gracedb-server` of the GraceDB server (Django), read on 2026-11-25 (snapshot date).
//! The newest server version seen is `PROJECT_VERSION = '2.33.1'` in `config/settings/base.py` at
//! commit `414b01ce0c4e96b3280662cc1ee00a80a7e31cf9`. Files used:
//!
//! * `gracedb/events/migrations/00NN_*.py` (the `events` app data migrations, 0002–0102): groups,
//!   pipelines, searches, labels, protected labels, tags. Each list below names its migrations.
//! * `config/settings/base.py` @ `414b01ce` (2.33.1): `BLESSED_TAGS`, `COINC_PIPELINES`,
//!   `GRB_PIPELINES`; @ `0c71d1a987b5478a3a5b339ccf6a557121f730f9` (2.31.1): the last hard-coded
//!   deprecated-pipeline list.
//! * `gracedb/events/view_logic.py` @ `414b01ce` (`_createEventFromForm`): pipeline → event
//!   subclass.
//! * `gracedb/events/models.py` @ `ab5a84681538f43d035f8be4e1fa73ccaeaff440` and `01a132ef…`:
//!   `SignoffBase` and `VOEventBase` choice tables, `Label.name` length.
//! * `gracedb/superevents/migrations/0010_superevent_category.py`: superevent categories.
//! * `gracedb/api/v1/main/views.py` (`GracedbRoot`): which tables the API root publishes.
//! * `docs/user_docs/source/models.rst` @ `01a132effb2e5c79024cac063e9389634a745e7a` and
//!   `docs/user_docs/source/labels.rst` @ `ea94726baf4f155ddf33ecbc74a4df9398080c31`: cross-checks,
//!   and the only source for migration 0004 (initial searches), which the mirror does not hold.
//!
//! # Order
//!
//! The API root lists groups, pipelines, searches and labels with `Model.objects.all()`, which
//! has no `ORDER BY`; on a freshly migrated database that is creation (primary-key) order, which
//! is the order used here (migration order, renames keeping their slot). The production database
//! may list them differently.
//!
//! # Known gaps
//!
//! * Migration 0004 (initial searches) is not in the mirror; its entries are reconstructed from
//!   the user docs and older fixtures (see [`SEARCHES`]).
//! * Migrations 0097 and 0100 could not be read; the `MOCK` label's migration was read but its
//!   file name was not seen. Anything they add is missing here.
//! * Migrations `0052_add_catalog_labels` … `0056_nickname` form a 2020 side branch that the
//!   main migration graph never merges (the 0058 merge joins two other leaves), so their catalog
//!   labels (`PRELIM`, `FINAL`, `NONE`, `CHUNK_*`, `O3A_*`/`O3B_*`) and the `Catalog` search are
//!   left out; the user docs omit them too.
//! * The production database can hold rows added by hand in the admin; only what the code and
//!   migrations create is known here.

/// Analysis groups (`events.Group`), in creation order.
///
/// Source: migration `0002_initial_group_data` (CBC … External) and `0085_add_detchar_group`
/// (Detchar). The newer user docs list only CBC, Burst, Detchar, External and Test, so
/// `Stochastic` and `Coherent` may have been removed from the production database by hand; a
/// freshly migrated server still has them. `Group.name` is at most 20 characters.
pub const GROUPS: &[&str] = &[
    "CBC",
    "Stochastic", // created by 0002; not in the newer user docs
    "Burst",
    "Coherent", // created by 0002; not in the newer user docs
    "Test",
    "External",
    "Detchar",
];

/// Pipelines (`events.Pipeline`), in creation order, with the renames applied in place.
///
/// Source: `0003_initial_pipeline_data` (15 pipelines, among them `gstlal-spiir` and `LIB`),
/// `0017_rename_pipelines` (`LIB` → `oLIB`, `gstlal-spiir` → `spiir`),
/// `0046_add_integral_agile_pipelines`, `0051_add_MBTA_pipeline`, `0053_add_MLy_pipeline`,
/// `0082_add_PyGRB_pipeline` (PyGRB, CHIME), `0086_add_aframe_pipeline`,
/// `0090_add_svom_pipeline`, `0091_add_icecube_pipeline`, `0096_add_gwak_pipeline`,
/// `0102_add_sgnl_pipeline`. No migration deletes a pipeline; `0068_rip_mbtaonline` only
/// reclassifies MBTAOnline as a non-production search. Deprecated ones are still listed (see
/// [`DEPRECATED_PIPELINES`]). `Pipeline.name` is at most 100 characters; lookups are exact
/// (case-sensitive).
pub const PIPELINES: &[&str] = &[
    "MBTAOnline",
    "CWB2G",
    "gstlal",
    "spiir", // created as `gstlal-spiir`, renamed by 0017
    "HardwareInjection",
    "X",
    "Q",
    "Omega",
    "Ringdown",
    "Fermi",
    "Swift",
    "CWB",
    "SNEWS",
    "oLIB", // created as `LIB`, renamed by 0017
    "pycbc",
    "INTEGRAL",
    "AGILE",
    "MBTA",
    "MLy",
    "PyGRB",
    "CHIME",
    "aframe",
    "SVOM",
    "IceCube",
    "GWAK",
    "SGNL",
];

/// Pipelines the server treats as deprecated: an event upload naming one is refused with a 400
/// that says the pipeline is no longer supported, before any permission check.
///
/// Source: `DEPRECIATED_PIPELINES` (sic) in `config/settings/base.py` up to 2.31.1 (`0c71d1a9`),
/// used by `EventList.post` in `gracedb/api/v1/events/views.py`. From 2.33.1 (`414b01ce`) the list
/// is read from the deployment variable `DJANGO_DEPRECATED_PIPELINES` instead, so the live value
/// is deployment data; this is the last value that was in the code.
pub const DEPRECATED_PIPELINES: &[&str] = &["X", "Q", "Omega"];

/// Searches (`events.Search`), in creation order.
///
/// Source: migration `0004_initial_search_data` (not in the mirror; its seven entries come from
/// `docs/user_docs/source/models.rst` @ `01a132ef`, which lists all searches in creation order,
/// and are corroborated as noted), then `0008_add_AllSkyLong_search`,
/// `0011_add_O2VirgoTest_search`, `0029_create_bbh_search`, `0032_create_imbh_search`,
/// `0034_add_subgrb_search`, `0045_add_early_warning_search`, `0049_add_subgrbtargeted_search`,
/// `0073_add_ssm_search`, `0082_add_PyGRB_pipeline` (FRB), `0084_lensing_search_label`,
/// `0088_add_search_VTInjection`, `0091_add_icecube_pipeline` (HEN). The `Catalog` search
/// (`0055_add_catalog_search`) sits on an unmerged branch and is left out. A search named `MDC`
/// makes an event an M-event; `Search.name` is at most 100 characters.
pub const SEARCHES: &[&str] = &[
    "AllSky",     // 0004 (not readable); also in the events initial_searches fixture
    "LowMass",    // 0004 (not readable); also in the events initial_searches fixture
    "HighMass",   // 0004 (not readable); also in the events initial_searches fixture
    "GRB",        // 0004 (not readable); also in the events initial_searches fixture
    "Supernova",  // 0004 (not readable); user docs and the SNEWS alert topics only
    "MDC",        // 0004 (not readable); user docs and the pre-2017 app's migration 0035
    "LowMassSim", // 0004 (not readable); user docs only
    "AllSkyLong",
    "O2VirgoTest",
    "BBH",
    "IMBH",
    "SubGRB",
    "EarlyWarning",
    "SubGRBTargeted",
    "SSM",
    "FRB",
    "LensingSubthreshold",
    "VTInjection",
    "HEN",
];

/// The longest label name the server stores (`Label.name`, `max_length=32`).
///
/// Raised from 20 to 32 by migration `0077_alter_label_name` (2023), just before
/// `0078_add_emfollow_labels` added the 22-character `LOW_SIGNIF_PRELIM_SENT`. Older servers
/// and older notes give 20.
pub const LABEL_NAME_MAX_LEN: usize = 32;

/// The label-name limit before migration 0077; only `LOW_SIGNIF_PRELIM_SENT` exceeds it.
pub const LEGACY_LABEL_NAME_MAX_LEN: usize = 20;

/// Labels (`events.Label`), in creation order. Names are case-sensitive (`cWB_r` and
/// `EM_Selected` are mixed case) and unique.
///
/// Source: `0005_initial_label_data` (INJ … GRB_OFFLINE), `0009_add_em_sent_label`,
/// `0010_add_virgo_labels`, `0024_add_labels`, `0031_hwinj_labels`, `0043_add_raven_label`,
/// `0044_add_skymap_labels`, `0056_add_lensing_labels`, `0057_add_dqr_request_label`,
/// `0059_add_raven_labels`, `0070_new_emfollow_label`, `0072_add_highpriority_label`,
/// `0074_add_llama_label`, `0076_add_snr_optimized_label`, `0078_add_emfollow_labels`,
/// `0079_missing_earlywarning_label`, `0084_lensing_search_label`, `0093_ssm_label` +
/// `0094_rename_ssm_label` (created as `SSM`, renamed because a label sharing a search's name
/// breaks query parsing), and the `MOCK` migration that follows `0098_mlyburstevent_channel`.
/// No migration on the main line deletes a label. Cross-checked against
/// `docs/user_docs/source/labels.rst` @ `ea94726b` (which omits L1OK by mistake and predates the
/// SSM rename and MOCK).
pub const LABELS: &[&str] = &[
    // 0005_initial_label_data
    "INJ",
    "DQV",
    "LUMIN_GO",
    "LUMIN_NO",
    "SWIFT_GO",
    "SWIFT_NO",
    "EM_READY",
    "cWB_r",
    "cWB_s",
    "PE_READY",
    "H1NO",
    "H1OK",
    "H1OPS",
    "L1NO",
    "L1OK",
    "L1OPS",
    "ADVREQ",
    "ADVOK",
    "ADVNO",
    "EM_Throttled",
    "EM_Selected",
    "EM_Superseded",
    "EM_COINC",
    "GRB_ONLINE",
    "GRB_OFFLINE",
    // 0009_add_em_sent_label
    "EM_SENT",
    // 0010_add_virgo_labels
    "V1OPS",
    "V1OK",
    "V1NO",
    // 0024_add_labels
    "SKYMAP_READY",
    "EMBRIGHT_READY",
    "PASTRO_READY",
    "DQOK",
    "GCN_PRELIM_SENT",
    // 0031_hwinj_labels
    "HWINJREQ",
    "HWINJOK",
    "HWINJNO",
    // 0043_add_raven_label
    "RAVEN_ALERT",
    // 0044_add_skymap_labels
    "NOT_GRB",
    "EXT_SKYMAP_READY",
    // 0056_add_lensing_labels
    "2022_LENSING_MDC",
    // 0057_add_dqr_request_label
    "DQR_REQUEST",
    // 0059_add_raven_labels
    "COMBINEDSKYMAP_READY",
    "SOG_READY",
    // 0070_new_emfollow_label
    "EM_SelectedConfident",
    // 0072_add_highpriority_label
    "HIGH_PROFILE",
    // 0074_add_llama_label
    "LLAMA_COMPLETE",
    // 0076_add_snr_optimized_label
    "SNR_OPTIMIZED",
    // 0078_add_emfollow_labels
    "LOW_SIGNIF_PRELIM_SENT",
    "SIGNIF_LOCKED",
    "LOW_SIGNIF_LOCKED",
    // 0079_missing_earlywarning_label
    "EARLY_WARNING",
    // 0084_lensing_search_label
    "LENSED_CANDIDATE",
    // 0093_ssm_label, renamed by 0094_rename_ssm_label
    "SUBSOLAR_MASS",
    // migration after 0098_mlyburstevent_channel (file name not seen; presumably 0099)
    "MOCK", // content read, file name unconfirmed
];

/// Protected labels: only the server applies or removes them (as the result of a signoff); a
/// user's request to add or remove one is refused with a 400.
///
/// Source: migration `0028_make_labels_protected` (the flag itself is added by
/// `0027_label_protected`); the user docs (`labels.rst`) list the same eight. No later migration
/// protects another label. Automation-managed labels such as `SIGNIF_LOCKED` or
/// `GCN_PRELIM_SENT` are not protected on the server.
pub const PROTECTED_LABELS: &[&str] = &[
    "H1OK", "H1NO", "L1OK", "L1NO", "V1OK", "V1NO", "ADVOK", "ADVNO",
];

/// Signoff-request labels: applying one is refused when a signoff of the matching kind already
/// exists (it would request a signoff that is already done).
///
/// Source: `SignoffBase.get_req_label_name` in `gracedb/events/models.py` (`<instrument>OPS` for
/// operator signoffs, `ADVREQ` for advocate signoffs) with [`INSTRUMENTS`].
pub const SIGNOFF_REQUEST_LABELS: &[&str] = &["ADVREQ", "H1OPS", "L1OPS", "V1OPS"];

/// Blessed tags: log tags the web interface shows in their own sections and that `GET /api/tag/`
/// reports as `"blessed": true`, in the settings' order.
///
/// Source: `BLESSED_TAGS` in `config/settings/base.py` @ `414b01ce` (2.33.1). The first twelve
/// have been there since 2017 (`0006_initial_tag_data`); `raven_report` and `cgmi` were added
/// with the migration that follows `0102_add_sgnl_pipeline`.
pub const BLESSED_TAGS: &[&str] = &[
    "analyst_comments",
    "em_follow",
    "psd",
    "data_quality",
    "sky_loc",
    "background",
    "ext_coinc",
    "strain",
    "tfplots",
    "pe",
    "sig_info",
    "audio",
    "raven_report",
    "cgmi",
];

/// Display names the migrations give the blessed tags when they create them (tag name →
/// `displayName`), in [`BLESSED_TAGS`] order.
///
/// Source: `0006_initial_tag_data` (first twelve) and the migration after
/// `0102_add_sgnl_pipeline` (`raven_report`, `cgmi`). A display name is only set when the tag row
/// is first created, so a production row may differ.
pub const BLESSED_TAG_DISPLAY_NAMES: &[(&str, &str)] = &[
    ("analyst_comments", "Analyst Comments"),
    ("em_follow", "EM Followup"),
    ("psd", "Noise Curves"),
    ("data_quality", "Data Quality"),
    ("sky_loc", "Sky Localization"),
    ("background", "Background Information"),
    ("ext_coinc", "External Coincidence"),
    ("strain", "Strain Data"),
    ("tfplots", "Time-Frequency Info"),
    ("pe", "Parameter Estimation"),
    ("sig_info", "Significance Info"),
    ("audio", "Sound Files"),
    ("raven_report", "RAVEN Report"),
    ("cgmi", "Coarse-Grained Mass Information"),
];

/// The access tags and their display names: `lvem` exposes a log to LV-EM partners, `public`
/// to everyone (settings `EXTERNAL_ACCESS_TAGNAME`, `PUBLIC_ACCESS_TAGNAME`).
///
/// Source: migration `0025_explicitly_create_access_tags`.
pub const ACCESS_TAG_DISPLAY_NAMES: &[(&str, &str)] = &[("lvem", "LV-EM"), ("public", "Public")];

/// The event subclass the server creates for an uploaded event, which decides how the uploaded
/// file is parsed and which extra attributes the event carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// `CoincInspiralEvent`: a LIGO_LW coinc file (CBC pipelines).
    CoincInspiral,
    /// `GrbEvent`: an external-trigger notice (VOEvent XML or JSON alert).
    Grb,
    /// `MultiBurstEvent`: a cWB trigger file.
    MultiBurst,
    /// `SimInspiralEvent`: a hardware-injection `sim_inspiral` file.
    SimInspiral,
    /// `LalInferenceBurstEvent`: an oLIB JSON file.
    LalInferenceBurst,
    /// `MLyBurstEvent`: a machine-learning burst JSON file.
    MlyBurst,
    /// The plain `Event` base class: no pipeline-specific parsing.
    Plain,
}

/// Pipeline → event subclass, as chosen by `_createEventFromForm` in
/// `gracedb/events/view_logic.py` @ `414b01ce` (2.33.1), which tests `COINC_PIPELINES` and
/// `GRB_PIPELINES` from `config/settings/base.py`, then CWB/CWB2G, HardwareInjection, oLIB and
/// MLy/aframe/GWAK. Pipelines not listed get [`EventKind::Plain`].
///
/// History worth knowing: before 2.33.1, `IceCube` made a `NeutrinoEvent` (a subclass with no
/// variant here), and 2.31.1 had dropped `SNEWS` from the GRB list (plain `Event`); 2.33.1 puts
/// both in `GRB_PIPELINES` and removes the neutrino branch.
const PIPELINE_KINDS: &[(&str, EventKind)] = &[
    // settings.COINC_PIPELINES
    ("gstlal", EventKind::CoincInspiral),
    ("spiir", EventKind::CoincInspiral),
    ("MBTAOnline", EventKind::CoincInspiral),
    ("pycbc", EventKind::CoincInspiral),
    ("MBTA", EventKind::CoincInspiral),
    ("PyGRB", EventKind::CoincInspiral),
    ("SGNL", EventKind::CoincInspiral),
    // settings.GRB_PIPELINES
    ("Fermi", EventKind::Grb),
    ("Swift", EventKind::Grb),
    ("INTEGRAL", EventKind::Grb),
    ("AGILE", EventKind::Grb),
    ("CHIME", EventKind::Grb),
    ("SVOM", EventKind::Grb),
    ("SNEWS", EventKind::Grb),
    ("IceCube", EventKind::Grb),
    // literal lists in view_logic.py
    ("CWB", EventKind::MultiBurst),
    ("CWB2G", EventKind::MultiBurst),
    ("HardwareInjection", EventKind::SimInspiral),
    ("oLIB", EventKind::LalInferenceBurst),
    ("MLy", EventKind::MlyBurst),
    ("aframe", EventKind::MlyBurst),
    ("GWAK", EventKind::MlyBurst),
];

/// The event subclass the server would create for `pipeline` (exact, case-sensitive match, as
/// the server's list membership test is); [`EventKind::Plain`] for any other name.
pub fn event_kind(pipeline: &str) -> EventKind {
    PIPELINE_KINDS
        .iter()
        .find(|(name, _)| *name == pipeline)
        .map_or(EventKind::Plain, |&(_, kind)| kind)
}

/// Superevent categories (code → display name), as published under `superevent-categories`.
///
/// Source: `Superevent.SUPEREVENT_CATEGORY_CHOICES`, first in
/// `gracedb/superevents/migrations/0010_superevent_category.py`.
pub const SUPEREVENT_CATEGORIES: &[(&str, &str)] =
    &[("P", "Production"), ("T", "Test"), ("M", "MDC")];

/// Signoff types (code → display name), as published under `signoff-types`.
///
/// Source: `SignoffBase.SIGNOFF_TYPE_CHOICES` in `gracedb/events/models.py` (also
/// `0040_auto_20190919_1957`).
pub const SIGNOFF_TYPES: &[(&str, &str)] = &[("OP", "operator"), ("ADV", "advocate")];

/// Signoff statuses (code → display name), as published under `signoff-statuses`.
///
/// Source: `SignoffBase.OPERATOR_STATUS_CHOICES` in `gracedb/events/models.py` (also
/// `0040_auto_20190919_1957`).
pub const SIGNOFF_STATUSES: &[(&str, &str)] = &[("OK", "OKAY"), ("NO", "NOT OKAY")];

/// Signoff instruments (code → display name), as published under `instruments`.
///
/// Source: `SignoffBase.INSTRUMENT_CHOICES` in `gracedb/events/models.py` @ `ab5a8468` (and
/// `0040_auto_20190919_1957`). No server version seen has `K1`: neither the choices nor the
/// instrument time-zone table nor any migration adds it.
pub const INSTRUMENTS: &[(&str, &str)] = &[("H1", "LHO"), ("L1", "LLO"), ("V1", "Virgo")];

/// VOEvent types (code → display name), as published under `voevent-types`.
///
/// Source: `VOEventBase.VOEVENT_TYPE_CHOICES` in `gracedb/events/models.py`; `EW` was added by
/// migration `0050_add_ew_voevent_type`.
pub const VOEVENT_TYPES: &[(&str, &str)] = &[
    ("PR", "preliminary"),
    ("IN", "initial"),
    ("UP", "update"),
    ("RE", "retraction"),
    ("EW", "earlywarning"),
];

/// EMBB event-log statuses (code → display name), as published under `eel-statuses`.
///
/// Source: `EMBBEventLog.EEL_STATUS_CHOICES` in `gracedb/events/models.py` (also
/// `0040_auto_20190919_1957`).
pub const EEL_STATUSES: &[(&str, &str)] = &[
    ("FO", "FOOTPRINT"),
    ("SO", "SOURCE"),
    ("CO", "COMMENT"),
    ("CI", "CIRCULAR"),
];

/// EMBB observation statuses (code → display name), as published under `obs-statuses`.
///
/// Source: `EMBBEventLog.OBS_STATUS_CHOICES` in `gracedb/events/models.py` (also
/// `0040_auto_20190919_1957`).
pub const OBS_STATUSES: &[(&str, &str)] = &[
    ("NA", "NOT APPLICABLE"),
    ("OB", "OBSERVATION"),
    ("TE", "TEST"),
    ("PR", "PREDICTION"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn assert_unique(name: &str, items: &[&str]) {
        let mut seen = HashSet::new();
        for item in items {
            assert!(seen.insert(*item), "{name}: duplicate entry {item:?}");
        }
    }

    fn keys<'a>(pairs: &[(&'a str, &'a str)]) -> Vec<&'a str> {
        pairs.iter().map(|(k, _)| *k).collect()
    }

    fn assert_subset(name: &str, sub: &[&str], of: &[&str]) {
        for item in sub {
            assert!(
                of.contains(item),
                "{name}: {item:?} is not in the full list"
            );
        }
    }

    #[test]
    fn lookup_lists_have_no_duplicates() {
        assert_unique("GROUPS", GROUPS);
        assert_unique("PIPELINES", PIPELINES);
        assert_unique("DEPRECATED_PIPELINES", DEPRECATED_PIPELINES);
        assert_unique("SEARCHES", SEARCHES);
        assert_unique("LABELS", LABELS);
        assert_unique("PROTECTED_LABELS", PROTECTED_LABELS);
        assert_unique("SIGNOFF_REQUEST_LABELS", SIGNOFF_REQUEST_LABELS);
        assert_unique("BLESSED_TAGS", BLESSED_TAGS);
        assert_unique(
            "PIPELINE_KINDS",
            &PIPELINE_KINDS.iter().map(|(p, _)| *p).collect::<Vec<_>>(),
        );
        for (name, table) in [
            ("SUPEREVENT_CATEGORIES", SUPEREVENT_CATEGORIES),
            ("SIGNOFF_TYPES", SIGNOFF_TYPES),
            ("SIGNOFF_STATUSES", SIGNOFF_STATUSES),
            ("INSTRUMENTS", INSTRUMENTS),
            ("VOEVENT_TYPES", VOEVENT_TYPES),
            ("EEL_STATUSES", EEL_STATUSES),
            ("OBS_STATUSES", OBS_STATUSES),
            ("BLESSED_TAG_DISPLAY_NAMES", BLESSED_TAG_DISPLAY_NAMES),
            ("ACCESS_TAG_DISPLAY_NAMES", ACCESS_TAG_DISPLAY_NAMES),
        ] {
            assert_unique(name, &keys(table));
        }
    }

    #[test]
    fn label_names_fit_the_server_column() {
        for label in LABELS {
            assert!(!label.is_empty());
            assert!(
                label.chars().count() <= LABEL_NAME_MAX_LEN,
                "label {label:?} is longer than {LABEL_NAME_MAX_LEN} characters"
            );
        }
    }

    #[test]
    fn only_one_label_needs_the_widened_column() {
        let long: Vec<&str> = LABELS
            .iter()
            .copied()
            .filter(|l| l.chars().count() > LEGACY_LABEL_NAME_MAX_LEN)
            .collect();
        assert_eq!(long, ["LOW_SIGNIF_PRELIM_SENT"]);
    }

    #[test]
    fn other_names_fit_their_columns() {
        for g in GROUPS {
            assert!(!g.is_empty() && g.len() <= 20, "group {g:?}");
        }
        for p in PIPELINES {
            assert!(!p.is_empty() && p.len() <= 100, "pipeline {p:?}");
        }
        for s in SEARCHES {
            assert!(!s.is_empty() && s.len() <= 100, "search {s:?}");
        }
    }

    #[test]
    fn tag_names_match_the_server_pattern() {
        let tags = BLESSED_TAGS
            .iter()
            .copied()
            .chain(keys(ACCESS_TAG_DISPLAY_NAMES));
        for tag in tags {
            assert!(tag.len() <= 100);
            assert!(
                tag.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
                "tag {tag:?}"
            );
        }
    }

    #[test]
    fn sublists_are_contained_in_their_lists() {
        assert_subset("DEPRECATED_PIPELINES", DEPRECATED_PIPELINES, PIPELINES);
        assert_subset("PROTECTED_LABELS", PROTECTED_LABELS, LABELS);
        assert_subset("SIGNOFF_REQUEST_LABELS", SIGNOFF_REQUEST_LABELS, LABELS);
        let kinds: Vec<&str> = PIPELINE_KINDS.iter().map(|(p, _)| *p).collect();
        assert_subset("PIPELINE_KINDS", &kinds, PIPELINES);
    }

    #[test]
    fn blessed_tag_display_names_follow_blessed_tags() {
        assert_eq!(keys(BLESSED_TAG_DISPLAY_NAMES), BLESSED_TAGS);
    }

    #[test]
    fn no_label_shares_a_search_name() {
        // The server renamed the `SSM` label because such a clash breaks query parsing.
        for label in LABELS {
            assert!(
                !SEARCHES.contains(label),
                "label {label:?} is also a search"
            );
        }
    }

    #[test]
    fn signoff_labels_follow_the_instruments() {
        for (code, _) in INSTRUMENTS {
            for suffix in ["OK", "NO"] {
                let label = format!("{code}{suffix}");
                assert!(PROTECTED_LABELS.contains(&label.as_str()), "{label}");
            }
            let request = format!("{code}OPS");
            assert!(
                SIGNOFF_REQUEST_LABELS.contains(&request.as_str()),
                "{request}"
            );
        }
    }

    #[test]
    fn event_kinds_match_the_server() {
        assert_eq!(event_kind("gstlal"), EventKind::CoincInspiral);
        assert_eq!(event_kind("SGNL"), EventKind::CoincInspiral);
        assert_eq!(event_kind("PyGRB"), EventKind::CoincInspiral);
        assert_eq!(event_kind("Fermi"), EventKind::Grb);
        assert_eq!(event_kind("SNEWS"), EventKind::Grb);
        assert_eq!(event_kind("IceCube"), EventKind::Grb);
        assert_eq!(event_kind("CWB"), EventKind::MultiBurst);
        assert_eq!(event_kind("HardwareInjection"), EventKind::SimInspiral);
        assert_eq!(event_kind("oLIB"), EventKind::LalInferenceBurst);
        assert_eq!(event_kind("aframe"), EventKind::MlyBurst);
        assert_eq!(event_kind("GWAK"), EventKind::MlyBurst);
        for plain in [
            "X",
            "Q",
            "Omega",
            "Ringdown",
            "LIB",
            "gstlal-spiir",
            "",
            "unknown",
        ] {
            assert_eq!(event_kind(plain), EventKind::Plain, "{plain:?}");
        }
        // Case-sensitive, like the server.
        assert_eq!(event_kind("GSTLAL"), EventKind::Plain);
        assert_eq!(event_kind("PyCBC"), EventKind::Plain);
    }

    #[test]
    fn sizes_are_as_recorded() {
        assert_eq!(GROUPS.len(), 7);
        assert_eq!(PIPELINES.len(), 26);
        assert_eq!(SEARCHES.len(), 19);
        assert_eq!(LABELS.len(), 55);
        assert_eq!(PROTECTED_LABELS.len(), 8);
        assert_eq!(BLESSED_TAGS.len(), 14);
        assert_eq!(PIPELINE_KINDS.len(), 22);
    }
}
