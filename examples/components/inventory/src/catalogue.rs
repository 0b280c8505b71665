//! The built-in catalogue: a few fixed items with varied units, tags and prices.

use crate::{Item, Lookup, Tags, Unit};

#[rustfmt::skip] // a table reads better one item a line
pub fn items() -> Vec<Item> {
    vec![
        item("TEA-001", "Green tea", 40, Unit::Kilogram, Tags::PERISHABLE, Some(1_850)),
        item("GLS-002", "Glass jar", 120, Unit::Piece, Tags::FRAGILE, Some(349)),
        item("ETH-003", "Ethanol", 25, Unit::Litre, Tags::HAZARDOUS | Tags::FRAGILE, Some(2_299)),
        item("SMP-004", "Sample box", 3, Unit::Piece, Tags::empty(), None),
    ]
}

/// A SKU matches exactly; a name matches any case-insensitive substring of the item's name.
pub fn matches(item: &Item, query: &Lookup) -> bool {
    match query {
        Lookup::BySku(sku) => item.sku == *sku,
        Lookup::ByName(name) => item.name.to_lowercase().contains(&name.to_lowercase()),
        Lookup::All => true,
    }
}

fn item(
    sku: &str,
    name: &str,
    quantity: u32,
    unit: Unit,
    tags: Tags,
    price_cents: Option<u64>,
) -> Item {
    Item {
        sku: sku.into(),
        name: name.into(),
        quantity,
        unit,
        tags,
        price_cents,
    }
}
