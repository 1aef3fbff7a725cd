//! The imported catalogue in the database (`catalog_products`, `catalog_plans`,
//! `catalog_meta`): `itam catalog import` writes it, reports read it over the built-in one.

use super::Catalog;
use super::csv_import::{ParsedCatalog, Product, ServicePlan, parse_csv};
use anyhow::{Context, Result};
use itam_store::{Dialect, Query, Store, values};
use std::collections::BTreeMap;
use std::fmt;
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// The catalogue's tables, created by the first import (the store's own schema knows nothing of
/// them).
const SCHEMA: [&str; 3] = [
    "CREATE TABLE IF NOT EXISTS catalog_products (
        sku_id        TEXT PRIMARY KEY,
        part_number   TEXT NOT NULL,
        product_name  TEXT NOT NULL,
        service_plans TEXT NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS catalog_plans (
        plan_id       TEXT PRIMARY KEY,
        plan_name     TEXT NOT NULL,
        friendly_name TEXT NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS catalog_meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )",
];

impl Catalog {
    /// The catalogue reports use: what `itam catalog import` stored in the database, over the
    /// built-in one (imported entries win). Without an import (or without the tables, in a
    /// database from an older version) this answers like [`Catalog::embedded`].
    pub fn load(q: &mut dyn Query) -> Result<Catalog> {
        let mut own = ParsedCatalog::default();
        if has_table(q, "catalog_products")? {
            q.for_each(
                "SELECT sku_id, part_number, product_name, service_plans FROM catalog_products",
                &[],
                &mut |r| {
                    let sku_id: String = r.get(0)?;
                    let plans: Vec<String> = serde_json::from_str(&r.get::<String>(3)?)
                        .with_context(|| {
                            format!("catalog_products: bad service_plans for {sku_id}")
                        })?;
                    let product = Product {
                        part_number: r.get(1)?,
                        name: r.get(2)?,
                        plans: plans.iter().map(|p| p.to_ascii_lowercase()).collect(),
                    };
                    own.products.insert(sku_id.to_ascii_lowercase(), product);
                    Ok(())
                },
            )?;
        }
        if has_table(q, "catalog_plans")? {
            q.for_each(
                "SELECT plan_id, plan_name, friendly_name FROM catalog_plans",
                &[],
                &mut |r| {
                    let plan_id: String = r.get(0)?;
                    let plan = ServicePlan {
                        name: r.get(1)?,
                        friendly_name: r.get(2)?,
                    };
                    own.plans.insert(plan_id.to_ascii_lowercase(), plan);
                    Ok(())
                },
            )?;
        }
        Ok(Catalog::from_parsed(own).over(Catalog::embedded()))
    }
}

/// Whether the table `name` exists. Each engine lists its tables its own way (the one SQL
/// here that is not the same on both).
fn has_table(q: &mut dyn Query, name: &str) -> Result<bool> {
    let sql = match q.dialect() {
        Dialect::Sqlite => {
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)"
        }
        Dialect::Postgres => "SELECT to_regclass(CAST(?1 AS TEXT)) IS NOT NULL",
    };
    q.value(sql, &values![name])
}

/// What [`import`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// The file imported.
    pub source: PathBuf,
    /// CSV data rows read.
    pub rows: usize,
    /// Products stored.
    pub products: usize,
    /// Service plans stored.
    pub plans: usize,
    /// Products the built-in catalogue does not have.
    pub new_products: usize,
    /// Rows that disagreed with an earlier row about a name (the first name was kept).
    pub conflicts: usize,
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "imported {} products and {} service plans from {} ({} rows); {} of the products \
             are not in the built-in catalogue",
            self.products,
            self.plans,
            self.source.display(),
            self.rows,
            self.new_products
        )?;
        if self.conflicts > 0 {
            write!(
                f,
                "; {} rows named a product or plan differently from an earlier row (the first \
                 name was kept)",
                self.conflicts
            )?;
        }
        Ok(())
    }
}

/// Imports Microsoft's licensing CSV at `path` into `store`, replacing any earlier import, in
/// one transaction: a file that does not parse, or a failure while writing, leaves the
/// database as it was. The tables are created if they do not exist.
pub fn import(store: &Store, path: &Path) -> Result<ImportReport> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let parsed =
        parse_csv(BufReader::new(file)).with_context(|| format!("reading {}", path.display()))?;
    store
        .transaction(|q| write(q, &parsed, path))
        .context("storing the imported catalogue")?;
    let embedded = Catalog::embedded();
    Ok(ImportReport {
        source: path.to_path_buf(),
        rows: parsed.rows,
        products: parsed.products.len(),
        plans: parsed.plans.len(),
        new_products: parsed
            .products
            .keys()
            .filter(|id| !embedded.contains(id))
            .count(),
        conflicts: parsed.conflicts,
    })
}

/// Replaces the catalogue's tables' rows with `parsed` (in the caller's transaction).
fn write(q: &mut dyn Query, parsed: &ParsedCatalog, path: &Path) -> Result<()> {
    for sql in SCHEMA {
        q.execute(sql, &[])?;
    }
    for table in TABLES {
        q.execute(&format!("DELETE FROM {table}"), &[])?;
    }
    for (id, p) in &parsed.products {
        let plans = serde_json::to_string(&p.plans)?;
        q.execute(
            "INSERT INTO catalog_products (sku_id, part_number, product_name, service_plans)
             VALUES (?1, ?2, ?3, ?4)",
            &values![id, &p.part_number, &p.name, plans],
        )?;
    }
    for (id, p) in &parsed.plans {
        q.execute(
            "INSERT INTO catalog_plans (plan_id, plan_name, friendly_name) VALUES (?1, ?2, ?3)",
            &values![id, &p.name, &p.friendly_name],
        )?;
    }
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let meta = [
        ("imported_from", path.display().to_string()),
        ("imported_at", now),
        ("rows", parsed.rows.to_string()),
        ("products", parsed.products.len().to_string()),
        ("plans", parsed.plans.len().to_string()),
        ("conflicts", parsed.conflicts.to_string()),
    ];
    for (key, value) in meta {
        q.execute(
            "INSERT INTO catalog_meta (key, value) VALUES (?1, ?2)",
            &values![key, value],
        )?;
    }
    Ok(())
}

/// The catalogue's tables.
const TABLES: [&str; 3] = ["catalog_products", "catalog_plans", "catalog_meta"];

/// Readies `target` to receive `from`'s imported catalogue when a store moves to another
/// database: creates the catalogue's tables on `target` if `from` has them, and names them, for
/// [`Store::migrate_to`] to copy. Without an import in `from`, nothing is done.
pub fn prepare_move(from: &Store, target: &Store) -> Result<Vec<&'static str>> {
    if !from.read(|q| has_table(q, "catalog_products"))? {
        return Ok(Vec::new());
    }
    target.transaction(|q| {
        for sql in SCHEMA {
            q.execute(sql, &[])?;
        }
        Ok(())
    })?;
    Ok(TABLES.to_vec())
}

/// What the last import recorded (`imported_from`, `imported_at`, `rows`, `products`, `plans`,
/// `conflicts`); empty if nothing was imported.
pub fn imported_meta(q: &mut dyn Query) -> Result<BTreeMap<String, String>> {
    if !has_table(q, "catalog_meta")? {
        return Ok(BTreeMap::new());
    }
    let rows = q.rows("SELECT key, value FROM catalog_meta", &[], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    Ok(rows.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const HEADER: &str = "Product_Display_Name,String_Id,GUID,Service_Plan_Name,Service_Plan_Id,Service_Plans_Included_Friendly_Names";
    const E3: &str = "6fd2c87f-b296-42f0-b197-1e91e994b900";
    const NEW: &str = "00000000-1111-2222-3333-444444444444";
    const EXO: &str = "efb87545-963c-4e0d-99df-69c6916d9eb0";

    /// A new, empty store (without the catalogue's tables), and its directory.
    fn db() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("itam.db")).unwrap();
        (dir, store)
    }

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f
    }

    fn good() -> tempfile::NamedTempFile {
        file(&format!(
            "\u{feff}{HEADER}\r\n\
             Office 365 E3 (renamed),ENTERPRISEPACK,6FD2C87F-B296-42F0-B197-1E91E994B900,EXCHANGE_S_ENTERPRISE,{EXO},Exchange Online (Plan 2 renamed)\r\n\
             Brand New Product,BRAND_NEW,{NEW},EXCHANGE_S_ENTERPRISE,{EXO},Exchange Online (Plan 2 renamed)\r\n"
        ))
    }

    #[test]
    fn import_then_overlay_wins_over_embedded() {
        let (_dir, store) = db();
        let report = import(&store, good().path()).unwrap();
        assert_eq!(report.rows, 2);
        assert_eq!(report.products, 2);
        assert_eq!(report.plans, 1);
        assert_eq!(report.new_products, 1);
        assert_eq!(report.conflicts, 0);
        assert!(
            report
                .to_string()
                .contains("imported 2 products and 1 service plans")
        );

        let catalog = store.read(Catalog::load).unwrap();
        assert_eq!(catalog.product_name(E3), Some("Office 365 E3 (renamed)"));
        assert_eq!(catalog.product_name(NEW), Some("Brand New Product"));
        assert_eq!(catalog.part_number(&NEW.to_uppercase()), Some("BRAND_NEW"));
        assert_eq!(catalog.plans_of(NEW), Some(&[EXO.to_string()][..]));
        assert_eq!(
            catalog.plan_name(EXO),
            Some("Exchange Online (Plan 2 renamed)")
        );
        // Everything else still comes from the built-in catalogue.
        let e1 = "18181a46-0d4e-45cd-891e-60aabd171b4e";
        assert_eq!(catalog.product_name(e1), Some("Office 365 E1"));
        assert_eq!(catalog.len(), Catalog::embedded().len() + 1);
        assert_eq!(store.read(imported_meta).unwrap()["products"], "2");
        // A second import replaces the first.
        import(&store, good().path()).unwrap();
        assert_eq!(store.read(Catalog::load).unwrap().len(), catalog.len());
    }

    #[test]
    fn a_bad_file_changes_nothing() {
        let (_dir, store) = db();
        import(&store, good().path()).unwrap();
        let broken = file(&format!(
            "{HEADER}\nOther,OTHER,{E3},X,{EXO},Y\nOther,OTHER,not-a-guid,X,{EXO},Y\n"
        ));
        let err = format!("{:#}", import(&store, broken.path()).unwrap_err());
        assert!(err.contains("line 3"), "{err}");
        let catalog = store.read(Catalog::load).unwrap();
        assert_eq!(catalog.product_name(NEW), Some("Brand New Product"));
        assert_eq!(catalog.product_name(E3), Some("Office 365 E3 (renamed)"));
    }

    #[test]
    fn a_failed_write_rolls_back() {
        let (_dir, store) = db();
        import(&store, good().path()).unwrap();
        // Make the last step of the transaction fail.
        store
            .transaction(|q| {
                q.execute(
                    "CREATE TRIGGER fail BEFORE INSERT ON catalog_meta BEGIN SELECT RAISE(ABORT, 'injected'); END",
                    &[],
                )
            })
            .unwrap();
        let other = file(&format!("{HEADER}\nOther,OTHER,{E3},X,{EXO},Y\n"));
        assert!(import(&store, other.path()).is_err());
        let catalog = store.read(Catalog::load).unwrap();
        assert_eq!(catalog.product_name(NEW), Some("Brand New Product"));
        assert_eq!(catalog.product_name(E3), Some("Office 365 E3 (renamed)"));
    }

    #[test]
    fn missing_file_and_missing_tables() {
        let (_dir, store) = db();
        let err = format!(
            "{:#}",
            import(&store, Path::new("/nonexistent/x.csv")).unwrap_err()
        );
        assert!(err.contains("opening /nonexistent/x.csv"), "{err}");
        // The failed import created no tables.
        let catalog = store.read(Catalog::load).unwrap();
        assert_eq!(catalog.len(), Catalog::embedded().len());
        assert_eq!(catalog.product_name(E3), Some("Office 365 E3"));
        assert!(store.read(imported_meta).unwrap().is_empty());
    }
}
