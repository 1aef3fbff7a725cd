//! Whether a product costs money: paid, free, viral (self-service sign-up) or trial.
//!
//! Rules, first match wins:
//! 1. A short list of well-known part numbers whose class their name does not show
//!    ([`WELL_KNOWN`]), e.g. `FLOW_FREE` ("Microsoft Power Automate Free") is the self-service
//!    viral sign-up, `TEAMS_EXPLORATORY` is a trial, `WINDOWS_STORE` and `RMSBASIC` are free.
//! 2. **Viral** when the part number has a `VIRAL` or `VTRIAL` word (words are separated by `_`
//!    and other punctuation; any case), or the display name has the word "viral" or "vTrial":
//!    `POWERAPPS_VIRAL`, `CCIBOTS_PRIVPREV_VIRAL`, `Dynamics_365_Guides_vTrial`.
//! 3. **Trial** when the part number or the display name has the word `TRIAL`:
//!    `AX7_USER_TRIAL`, `MS_TEAMS_IW` ("Microsoft Teams Trial").
//! 4. **Free** when the part number or the display name has the word `FREE`, or the part
//!    number has `STUUSEBNFT` (education "student use benefit", granted with faculty licences):
//!    `TEAMS_FREE`, `POWER_BI_STANDARD` ("Microsoft Fabric (Free)"), `SMB_APPS`
//!    ("Business Apps (free)"), `M365EDU_A3_STUUSEBNFT`.
//! 5. Otherwise **Paid**, so that nothing unknown is hidden from cost reports.
//!
//! A subscription Graph marks as a trial (`isTrial`) is a trial whatever the product; reports
//! check that separately.

pub use itam_reports::catalog::ProductClass;

/// Part numbers (any case) whose class is not evident from their names, with the reason.
pub const WELL_KNOWN: &[(&str, ProductClass)] = &[
    // "Microsoft Power Automate Free": the self-service sign-up users get by themselves.
    ("FLOW_FREE", ProductClass::Viral),
    // "Rights Management Adhoc": RMS for individuals, self-service.
    ("RIGHTSMANAGEMENT_ADHOC", ProductClass::Viral),
    // "Power Apps and Logic Flows", "Power BI": legacy individual self-service sign-ups.
    ("POWERAPPS_INDIVIDUAL_USER", ProductClass::Viral),
    ("POWER_BI_INDIVIDUAL_USER", ProductClass::Viral),
    // "Microsoft Teams Exploratory": the no-cost Teams trial for users without Teams.
    ("TEAMS_EXPLORATORY", ProductClass::Trial),
    // Information-worker trials whose names do not say so (one is spelled "Tria").
    ("DYN365_ENTERPRISE_P1_IW", ProductClass::Trial),
    ("PROJECT_MADEIRA_PREVIEW_IW_SKU", ProductClass::Trial),
    // "Microsoft Fabric (Free)" and its education variants (also caught by the name rule).
    ("POWER_BI_STANDARD", ProductClass::Free),
    ("POWER_BI_STANDARD_FACULTY", ProductClass::Free),
    ("POWER_BI_STANDARD_STUDENT", ProductClass::Free),
    // "Windows Store for Business" (and the education variant).
    ("WINDOWS_STORE", ProductClass::Free),
    ("WSFB_EDU_FACULTY", ProductClass::Free),
    // "Microsoft Stream" (the free/trial Stream SKU; STREAM_P2 etc. are paid).
    ("STREAM", ProductClass::Free),
    // "Microsoft Power Apps for Developer": the free developer plan.
    ("POWERAPPS_DEV", ProductClass::Free),
    // "Microsoft 365 E5 Developer": the Microsoft 365 Developer Program sandbox.
    ("DEVELOPERPACK_E5", ProductClass::Free),
    // "Rights Management Service Basic Content Protection".
    ("RMSBASIC", ProductClass::Free),
    // "Communications Credits": no per-user charge; the credits are funded separately.
    ("MCOPSTNC", ProductClass::Free),
    // "App Connect IW", "PowerApps per app baseline access", "Microsoft Business Center".
    ("SPZA_IW", ProductClass::Free),
    ("POWERAPPS_PER_APP_IW", ProductClass::Free),
    ("MICROSOFT_BUSINESS_CENTER", ProductClass::Free),
    // "Office 365 A1" and "A1 Plus" for faculty and students: no charge for education.
    ("STANDARDWOFFPACK_FACULTY", ProductClass::Free),
    ("STANDARDWOFFPACK_STUDENT", ProductClass::Free),
    ("STANDARDWOFFPACK_IW_FACULTY", ProductClass::Free),
    ("STANDARDWOFFPACK_IW_STUDENT", ProductClass::Free),
];

/// Classifies a product by its part number (`skuPartNumber`) and, if known, its display name
/// from the catalogue. See the module documentation for the rules.
pub fn classify(part_number: &str, display_name: Option<&str>) -> ProductClass {
    let part_number = part_number.trim();
    if let Some((_, class)) = WELL_KNOWN
        .iter()
        .find(|(p, _)| p.eq_ignore_ascii_case(part_number))
    {
        return *class;
    }
    let has = |word: &str| {
        words(part_number).any(|w| w.eq_ignore_ascii_case(word))
            || display_name.is_some_and(|n| words(n).any(|w| w.eq_ignore_ascii_case(word)))
    };
    if has("viral") || has("vtrial") {
        ProductClass::Viral
    } else if has("trial") {
        ProductClass::Trial
    } else if has("free") || part_number.to_ascii_uppercase().contains("STUUSEBNFT") {
        ProductClass::Free
    } else {
        ProductClass::Paid
    }
}

/// The alphanumeric words of `s`.
fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

#[cfg(test)]
mod tests {
    use super::ProductClass::*;
    use super::*;

    #[test]
    fn paid() {
        assert_eq!(classify("ENTERPRISEPACK", Some("Office 365 E3")), Paid);
        assert_eq!(classify("SPE_E5", None), Paid);
        assert_eq!(classify("STREAM_P2", Some("Microsoft Stream Plan 2")), Paid);
        assert_eq!(
            classify("Dynamics_365_for_Operations_Sandbox_Tier2_SKU", None),
            Paid
        );
        assert_eq!(classify("SOMETHING_NEW", None), Paid, "unknown is paid");
    }

    #[test]
    fn free() {
        assert_eq!(
            classify("POWER_BI_STANDARD", Some("Microsoft Fabric (Free)")),
            Free
        );
        assert_eq!(classify("power_bi_standard", None), Free, "any case");
        assert_eq!(classify("TEAMS_FREE", None), Free);
        assert_eq!(classify("SMB_APPS", Some("Business Apps (free)")), Free);
        assert_eq!(
            classify("WINDOWS_STORE", Some("Windows Store for Business")),
            Free
        );
        assert_eq!(classify("STREAM", Some("Microsoft Stream")), Free);
        assert_eq!(classify("POWERAPPS_DEV", None), Free);
        assert_eq!(classify("RMSBASIC", None), Free);
        assert_eq!(classify("MCOPSTNC", Some("Communications Credits")), Free);
        assert_eq!(classify("M365EDU_A3_STUUSEBNFT", None), Free);
    }

    #[test]
    fn viral() {
        assert_eq!(
            classify("FLOW_FREE", Some("Microsoft Power Automate Free")),
            Viral
        );
        assert_eq!(
            classify("POWERAPPS_VIRAL", Some("Microsoft Power Apps Plan 2 Trial")),
            Viral
        );
        assert_eq!(classify("CCIBOTS_PRIVPREV_VIRAL", None), Viral);
        assert_eq!(classify("Dynamics_365_Guides_vTrial", None), Viral);
        assert_eq!(
            classify(
                "Dynamics_365_Customer_Service_Enterprise_viral_trial",
                Some("Dynamics 365 Customer Service Enterprise Viral Trial")
            ),
            Viral
        );
        assert_eq!(classify("RIGHTSMANAGEMENT_ADHOC", None), Viral);
    }

    #[test]
    fn trial() {
        assert_eq!(
            classify("TEAMS_EXPLORATORY", Some("Microsoft Teams Exploratory")),
            Trial
        );
        assert_eq!(
            classify("MS_TEAMS_IW", Some("Microsoft Teams Trial")),
            Trial
        );
        assert_eq!(classify("AX7_USER_TRIAL", None), Trial);
        assert_eq!(classify("DYN365_RETAIL_TRIAL", None), Trial);
        assert_eq!(
            classify("FORMS_PRO", Some("Dynamics 365 Customer Voice Trial")),
            Trial
        );
        assert_eq!(classify("DYN365_ENTERPRISE_P1_IW", None), Trial);
    }

    #[test]
    fn words_not_substrings() {
        assert_eq!(classify("INDUSTRIAL_PLAN", Some("Freedom Suite")), Paid);
    }

    #[test]
    fn display() {
        assert_eq!(Viral.to_string(), "viral");
        assert_eq!(serde_json::to_string(&Trial).unwrap(), "\"trial\"");
    }
}
