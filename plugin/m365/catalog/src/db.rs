//! The imported catalogue in the database (`catalog_products`, `catalog_plans`,
//! `catalog_meta`): `itam catalog import` writes it, reports read it over the built-in one.

use super::Catalog;
use super::csv_import::{ParsedCatalog, Product, ServicePlan, parse_csv};
use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::BTreeMap;
use std::fmt;
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// The catalogue's tables, created by the first import (the store's own schema knows nothing of
/// them).
const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS catalog_products (
        sku_id        TEXT PRIMARY KEY,
        part_number   TEXT NOT NULL,
        product_name  TEXT NOT NULL,
        service_plans TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS catalog_plans (
        plan_id       TEXT PRIMARY KEY,
        plan_name     TEXT NOT NULL,
        friendly_name TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS catalog_meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID;";

impl Catalog {
    /// The catalogue reports use: what `itam catalog import` stored in the database, over the
    /// built-in one (imported entries win). Without an import (or without the tables, in a
    /// database from an older version) this answers like [`Catalog::embedded`].
    pub fn load(conn: &Connection) -> Result<Catalog> {
        let mut own = ParsedCatalog::default();
        if has_table(conn, "catalog_products")? {
            let mut stmt = conn.prepare(
                "SELECT sku_id, part_number, product_name, service_plans FROM catalog_products",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })?;
            for row in rows {
                let (sku_id, part_number, name, plans) = row?;
                let plans: Vec<String> = serde_json::from_str(&plans)
                    .with_context(|| format!("catalog_products: bad service_plans for {sku_id}"))?;
                let plans = plans.iter().map(|p| p.to_ascii_lowercase()).collect();
                let product = Product {
                    part_number,
                    name,
                    plans,
                };
                own.products.insert(sku_id.to_ascii_lowercase(), product);
            }
        }
        if has_table(conn, "catalog_plans")? {
            let mut stmt =
                conn.prepare("SELECT plan_id, plan_name, friendly_name FROM catalog_plans")?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?;
            for row in rows {
                let (plan_id, name, friendly_name) = row?;
                let plan = ServicePlan {
                    name,
                    friendly_name,
                };
                own.plans.insert(plan_id.to_ascii_lowercase(), plan);
            }
        }
        Ok(Catalog::from_parsed(own).over(Catalog::embedded()))
    }
}

fn has_table(conn: &Connection, name: &str) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [name],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
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

/// Imports Microsoft's licensing CSV at `path` into the database, replacing any earlier
/// import, in one transaction: a file that does not parse, or a failure while writing, leaves
/// the database as it was. The tables must exist (the store schema creates them).
pub fn import(conn: &mut Connection, path: &Path) -> Result<ImportReport> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let parsed =
        parse_csv(BufReader::new(file)).with_context(|| format!("reading {}", path.display()))?;
    store(conn, &parsed, path).context("storing the imported catalogue")?;
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

fn store(conn: &mut Connection, parsed: &ParsedCatalog, path: &Path) -> Result<()> {
    let tx = conn.transaction()?;
    tx.execute_batch(SCHEMA)?;
    tx.execute_batch(
        "DELETE FROM catalog_products; DELETE FROM catalog_plans; DELETE FROM catalog_meta;",
    )?;
    {
        let mut insert = tx.prepare(
            "INSERT INTO catalog_products (sku_id, part_number, product_name, service_plans)
             VALUES (?1, ?2, ?3, ?4)",
        )?;
        for (id, p) in &parsed.products {
            let plans = serde_json::to_string(&p.plans)?;
            insert.execute(params![id, p.part_number, p.name, plans])?;
        }
        let mut insert = tx.prepare(
            "INSERT INTO catalog_plans (plan_id, plan_name, friendly_name) VALUES (?1, ?2, ?3)",
        )?;
        for (id, p) in &parsed.plans {
            insert.execute(params![id, p.name, p.friendly_name])?;
        }
        let mut insert = tx.prepare("INSERT INTO catalog_meta (key, value) VALUES (?1, ?2)")?;
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
            insert.execute(params![key, value])?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// What the last import recorded (`imported_from`, `imported_at`, `rows`, `products`, `plans`,
/// `conflicts`); empty if nothing was imported.
pub fn imported_meta(conn: &Connection) -> Result<BTreeMap<String, String>> {
    if !has_table(conn, "catalog_meta")? {
        return Ok(BTreeMap::new());
    }
    let mut stmt = conn.prepare("SELECT key, value FROM catalog_meta")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const HEADER: &str = "Product_Display_Name,String_Id,GUID,Service_Plan_Name,Service_Plan_Id,Service_Plans_Included_Friendly_Names";
    const E3: &str = "6fd2c87f-b296-42f0-b197-1e91e994b900";
    const NEW: &str = "00000000-1111-2222-3333-444444444444";
    const EXO: &str = "efb87545-963c-4e0d-99df-69c6916d9eb0";

    fn db() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(SCHEMA).unwrap();
        conn
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
        let mut conn = db();
        let report = import(&mut conn, good().path()).unwrap();
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

        let catalog = Catalog::load(&conn).unwrap();
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
        assert_eq!(imported_meta(&conn).unwrap()["products"], "2");
    }

    #[test]
    fn a_bad_file_changes_nothing() {
        let mut conn = db();
        import(&mut conn, good().path()).unwrap();
        let broken = file(&format!(
            "{HEADER}\nOther,OTHER,{E3},X,{EXO},Y\nOther,OTHER,not-a-guid,X,{EXO},Y\n"
        ));
        let err = format!("{:#}", import(&mut conn, broken.path()).unwrap_err());
        assert!(err.contains("line 3"), "{err}");
        let catalog = Catalog::load(&conn).unwrap();
        assert_eq!(catalog.product_name(NEW), Some("Brand New Product"));
        assert_eq!(catalog.product_name(E3), Some("Office 365 E3 (renamed)"));
    }

    #[test]
    fn a_failed_write_rolls_back() {
        let mut conn = db();
        import(&mut conn, good().path()).unwrap();
        // Make the last step of the transaction fail.
        conn.execute_batch(
            "CREATE TRIGGER fail BEFORE INSERT ON catalog_meta BEGIN SELECT RAISE(ABORT, 'injected'); END;",
        )
        .unwrap();
        let other = file(&format!("{HEADER}\nOther,OTHER,{E3},X,{EXO},Y\n"));
        assert!(import(&mut conn, other.path()).is_err());
        let catalog = Catalog::load(&conn).unwrap();
        assert_eq!(catalog.product_name(NEW), Some("Brand New Product"));
        assert_eq!(catalog.product_name(E3), Some("Office 365 E3 (renamed)"));
    }

    #[test]
    fn missing_file_and_missing_tables() {
        let mut conn = db();
        let err = format!(
            "{:#}",
            import(&mut conn, Path::new("/nonexistent/x.csv")).unwrap_err()
        );
        assert!(err.contains("opening /nonexistent/x.csv"), "{err}");
        let bare = Connection::open_in_memory().unwrap();
        let catalog = Catalog::load(&bare).unwrap();
        assert_eq!(catalog.len(), Catalog::embedded().len());
        assert_eq!(catalog.product_name(E3), Some("Office 365 E3"));
        assert!(imported_meta(&bare).unwrap().is_empty());
    }
}
