//! Friendly product names for common Microsoft SKUs, keyed by SKU GUID (from Microsoft's
//! "Product names and service plan identifiers for licensing" list). Unknown SKUs fall back to
//! their part number in reports.

const NAMES: &[(&str, &str)] = &[
    ("6fd2c87f-b296-42f0-b197-1e91e994b900", "Office 365 E3"),
    ("18181a46-0d4e-45cd-891e-60aabd171b4e", "Office 365 E1"),
    ("c7df2760-2c81-4ef7-b578-5b5392b571df", "Office 365 E5"),
    ("05e9a617-0261-4cee-bb44-138d3ef5d965", "Microsoft 365 E3"),
    ("06ebc4ee-1bb5-47dd-8120-11324bc54e06", "Microsoft 365 E5"),
    ("66b55226-6b4f-492c-910c-a3b7a3c9d993", "Microsoft 365 F3"),
    (
        "cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46",
        "Microsoft 365 Business Premium",
    ),
    (
        "f245ecc8-75af-4f8e-b61f-27d8114de5f3",
        "Microsoft 365 Business Standard",
    ),
    (
        "3b555118-da6a-4418-894f-7df1e2096870",
        "Microsoft 365 Business Basic",
    ),
    (
        "efccb6f7-5641-4e0e-bd10-b4976e1bf68e",
        "Enterprise Mobility + Security E3",
    ),
    (
        "b05e124f-c7cc-45a0-a6aa-8cf78c946968",
        "Enterprise Mobility + Security E5",
    ),
    (
        "078d2b04-f1bd-4111-bbd4-b4b1b354cef4",
        "Microsoft Entra ID P1",
    ),
    (
        "84a661c4-e949-4bd2-a560-ed7766fcaf2b",
        "Microsoft Entra ID P2",
    ),
    (
        "4b9405b0-7788-4568-add1-99614e613b69",
        "Exchange Online (Plan 1)",
    ),
    ("f8a1db68-be16-40ed-86d5-cb42ce701560", "Power BI Pro"),
    (
        "a403ebcc-fae0-4ca2-8c8c-7a907fd6c235",
        "Microsoft Fabric (Free)",
    ),
    (
        "f30db892-07e9-47e9-837c-80727f46fd3d",
        "Microsoft Power Automate Free",
    ),
    (
        "dcb1a3ae-b33f-4487-846a-a640262fadf4",
        "Microsoft Power Apps Plan 2 Trial",
    ),
    (
        "710779e8-3d4a-4c88-adb9-386c958d1fdf",
        "Microsoft Teams Exploratory",
    ),
    ("c5928f49-12ba-48f7-ada3-0d743a3601d5", "Visio Plan 2"),
    (
        "09015f9f-377f-4538-bbb5-f75ceb09358a",
        "Project Online Premium",
    ),
    (
        "c42b9cae-ea4f-4ab7-9717-81576235ccac",
        "Microsoft 365 E5 Developer (without Windows and Audio Conferencing)",
    ),
];

/// The friendly name of a SKU, if known.
pub fn product_name(sku_id: &str) -> Option<&'static str> {
    NAMES
        .iter()
        .find(|(id, _)| id.eq_ignore_ascii_case(sku_id))
        .map(|(_, name)| *name)
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_and_unknown() {
        assert_eq!(
            super::product_name("6FD2C87F-B296-42F0-B197-1E91E994B900"),
            Some("Office 365 E3")
        );
        assert_eq!(
            super::product_name("00000000-0000-0000-0000-000000000000"),
            None
        );
    }
}
