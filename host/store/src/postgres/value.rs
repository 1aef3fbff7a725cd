//! [`Value`]s to and from PostgreSQL's types: a parameter takes the type PostgreSQL inferred
//! for it (a whole number becomes a `boolean`, `integer` or `bigint` as the column wants), and
//! a column is read as the storage class it maps to.

use crate::query::Value;
use anyhow::{Result, bail};
use bytes::BytesMut;
use std::error::Error;
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};

/// A [`Value`] passed as a statement's parameter.
#[derive(Debug)]
pub(crate) struct ParamValue<'a>(pub &'a Value);

type Failure = Box<dyn Error + Sync + Send>;

impl ToSql for ParamValue<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, Failure> {
        let text = |s: &str, out: &mut BytesMut| s.to_sql(&Type::TEXT, out);
        match self.0 {
            Value::Null => Ok(IsNull::Yes),
            Value::Integer(n) => match *ty {
                Type::BOOL => (*n != 0).to_sql(ty, out),
                Type::INT2 => i16::try_from(*n)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(*n)?.to_sql(ty, out),
                Type::INT8 => n.to_sql(ty, out),
                Type::FLOAT8 => (*n as f64).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                    text(&n.to_string(), out)
                }
                _ => Err(format!("a whole number cannot be passed as {ty}").into()),
            },
            Value::Real(x) => match *ty {
                Type::FLOAT8 => x.to_sql(ty, out),
                Type::FLOAT4 => (*x as f32).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR | Type::UNKNOWN => text(&x.to_string(), out),
                _ => Err(format!("a number cannot be passed as {ty}").into()),
            },
            Value::Text(s) => match *ty {
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                    text(s, out)
                }
                _ => Err(format!("text cannot be passed as {ty}").into()),
            },
            Value::Blob(b) => match *ty {
                Type::BYTEA => b.as_slice().to_sql(ty, out),
                _ => Err(format!("bytes cannot be passed as {ty}").into()),
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// Column `i` of `row` as a [`Value`].
pub(crate) fn column(row: &tokio_postgres::Row, i: usize) -> Result<Value> {
    let ty = row.columns()[i].type_().clone();
    let value = match ty {
        Type::BOOL => row.try_get::<_, Option<bool>>(i)?.map(Value::from),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(i)?
            .map(|n| Value::Integer(n.into())),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(i)?
            .map(|n| Value::Integer(n.into())),
        Type::INT8 => row.try_get::<_, Option<i64>>(i)?.map(Value::Integer),
        Type::FLOAT4 => row
            .try_get::<_, Option<f32>>(i)?
            .map(|x| Value::Real(x.into())),
        Type::FLOAT8 => row.try_get::<_, Option<f64>>(i)?.map(Value::Real),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
            row.try_get::<_, Option<String>>(i)?.map(Value::Text)
        }
        Type::BYTEA => row.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Blob),
        // What a function returning nothing (e.g. taking a lock) yields.
        Type::VOID => None,
        other => bail!(
            "column {i} ({}) is of PostgreSQL type {other}; the query must cast it to bigint, double precision or text",
            row.columns()[i].name()
        ),
    };
    Ok(value.unwrap_or(Value::Null))
}
