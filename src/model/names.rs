//! The names the data files spell the model's enums with (`COMPANY`, `FINAL_REVIEW_COMPLETED`),
//! read from their serde derive, so that code writing data files (the synthetic generator) uses
//! the very names the loader reads, with no second list to keep in step.
//!
//! Architecture invariant: knows serde only; no format, no IO.

use std::fmt;

use serde::Serialize;
use serde::ser::{self, Impossible};

/// The name a data file spells `value` with: the serde name of a unit variant (after
/// `rename_all`). `None` for anything that does not serialize as a unit variant.
pub fn variant_name<T: Serialize>(value: &T) -> Option<&'static str> {
    value.serialize(VariantName).ok()
}

/// A serializer that accepts only unit variants and returns their name.
struct VariantName;

/// Anything but a unit variant.
#[derive(Debug)]
struct NotUnitVariant;

impl fmt::Display for NotUnitVariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a unit variant")
    }
}

impl std::error::Error for NotUnitVariant {}

impl ser::Error for NotUnitVariant {
    fn custom<T: fmt::Display>(_: T) -> Self {
        NotUnitVariant
    }
}

/// Refuses every value of the listed `serialize_*` methods' one-argument shape.
macro_rules! refuse {
    ($($method:ident($ty:ty)),* $(,)?) => {
        $(fn $method(self, _: $ty) -> Result<Self::Ok, Self::Error> {
            Err(NotUnitVariant)
        })*
    };
}

type No = Impossible<&'static str, NotUnitVariant>;

impl ser::Serializer for VariantName {
    type Ok = &'static str;
    type Error = NotUnitVariant;
    type SerializeSeq = No;
    type SerializeTuple = No;
    type SerializeTupleStruct = No;
    type SerializeTupleVariant = No;
    type SerializeMap = No;
    type SerializeStruct = No;
    type SerializeStructVariant = No;

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<&'static str, NotUnitVariant> {
        Ok(variant)
    }

    refuse!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_unit_struct(&'static str),
    );

    fn serialize_none(self) -> Result<&'static str, NotUnitVariant> {
        Err(NotUnitVariant)
    }

    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<&'static str, NotUnitVariant> {
        Err(NotUnitVariant)
    }

    fn serialize_unit(self) -> Result<&'static str, NotUnitVariant> {
        Err(NotUnitVariant)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<&'static str, NotUnitVariant> {
        Err(NotUnitVariant)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<&'static str, NotUnitVariant> {
        Err(NotUnitVariant)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<No, NotUnitVariant> {
        Err(NotUnitVariant)
    }

    fn serialize_tuple(self, _: usize) -> Result<No, NotUnitVariant> {
        Err(NotUnitVariant)
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<No, NotUnitVariant> {
        Err(NotUnitVariant)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<No, NotUnitVariant> {
        Err(NotUnitVariant)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<No, NotUnitVariant> {
        Err(NotUnitVariant)
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<No, NotUnitVariant> {
        Err(NotUnitVariant)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<No, NotUnitVariant> {
        Err(NotUnitVariant)
    }
}

#[cfg(test)]
mod tests {
    use super::variant_name;
    use crate::model::{Grade, OrganizationType, RelationType, StandardStatus};

    #[test]
    fn unit_variants_have_their_data_file_names() {
        assert_eq!(variant_name(&OrganizationType::Company), Some("COMPANY"));
        assert_eq!(
            variant_name(&StandardStatus::FinalReviewCompleted),
            Some("FINAL_REVIEW_COMPLETED")
        );
        assert_eq!(
            variant_name(&Grade::VerifiedSecondary),
            Some("VERIFIED_SECONDARY")
        );
        assert_eq!(
            variant_name(&RelationType::HoldsSecretariatOf),
            Some(RelationType::HoldsSecretariatOf.name())
        );
    }

    #[test]
    fn other_values_have_none() {
        assert_eq!(variant_name(&"COMPANY"), None);
        assert_eq!(variant_name(&Some(Grade::Verified)), None);
        assert_eq!(variant_name(&3_u8), None);
    }
}
