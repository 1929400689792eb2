//! The fields of the supply chain's kinds: minerals, applications, supply-chain stages and
//! locations.
//!
//! Architecture invariant: one graph call per resolver, through `EntityBase`.

use async_graphql::Object;

use super::{
    Application, ApplicationFields, Directive, Entity, Location, LocationFields, Mineral,
    MineralFields, Standard, StandardBatch, SupplyChainStage, SupplyChainStageFields, enums,
};
use crate::graph::Direction::{Incoming as In, Outgoing as Out};
use crate::model::RelationType as R;

/// One scheme's light/heavy classification of an element.
#[derive(async_graphql::SimpleObject)]
pub struct ElementClassification {
    /// The scheme.
    pub scheme: enums::ClassificationScheme,
    /// The group the element falls in under it.
    pub group: enums::RareEarthGroup,
}

#[Object]
impl<'a> MineralFields<'a> {
    /// ELEMENT, OXIDE, METAL, ALLOY, CONCENTRATE, ORE or COMPOUND.
    async fn form(&self) -> enums::MineralForm {
        self.details.form.into()
    }
    /// Chemical symbol (elements).
    async fn symbol(&self) -> Option<&'a str> {
        self.details.symbol.as_deref()
    }
    /// Atomic number (elements).
    async fn atomic_number(&self) -> Option<u32> {
        self.details.atomic_number
    }
    /// Chemical formula.
    async fn formula(&self) -> Option<&'a str> {
        self.details.formula.as_deref()
    }
    /// Whether it is one of the 17 rare-earth elements.
    async fn rare_earth(&self) -> bool {
        self.details.rare_earth
    }
    /// Light/heavy classification, one per scheme (the split depends on the scheme).
    async fn classifications(&self) -> Vec<ElementClassification> {
        self.details
            .classifications
            .iter()
            .map(|c| ElementClassification {
                scheme: c.scheme.into(),
                group: c.group.into(),
            })
            .collect()
    }
    /// Standards that concern it.
    async fn standards(&self) -> async_graphql::Result<Vec<Standard<'a>>> {
        self.base.linked(R::Concerns, In)
    }
    /// Batches whose stated subjects include it.
    async fn batches(&self) -> async_graphql::Result<Vec<StandardBatch<'a>>> {
        self.base.linked(R::Concerns, In)
    }
    /// What it is made of.
    async fn components(&self) -> async_graphql::Result<Vec<Mineral<'a>>> {
        self.base.linked(R::ComposedOf, Out)
    }
    /// Minerals and applications it is a component of.
    async fn component_of(&self) -> async_graphql::Result<Vec<Entity<'a>>> {
        self.base.linked_any(R::ComposedOf, In)
    }
    /// What it is produced from.
    async fn produced_from(&self) -> async_graphql::Result<Vec<Mineral<'a>>> {
        self.base.linked(R::ProducedFrom, Out)
    }
    /// What is produced from it.
    async fn feedstock_for(&self) -> async_graphql::Result<Vec<Mineral<'a>>> {
        self.base.linked(R::ProducedFrom, In)
    }
    /// Applications it is used in.
    async fn applications(&self) -> async_graphql::Result<Vec<Application<'a>>> {
        self.base.linked(R::UsedIn, Out)
    }
    /// Supply-chain stages that produce it.
    async fn stages(&self) -> async_graphql::Result<Vec<SupplyChainStage<'a>>> {
        self.base.linked(R::ProducedAt, Out)
    }
    /// Directives that restrict it (export controls).
    async fn restricted_by(&self) -> async_graphql::Result<Vec<Directive<'a>>> {
        self.base.linked(R::Restricts, In)
    }
    /// Directives that target it.
    async fn targeted_by(&self) -> async_graphql::Result<Vec<Directive<'a>>> {
        self.base.linked(R::Targets, In)
    }
}

#[Object]
impl<'a> ApplicationFields<'a> {
    /// The sector (DEFENSE, AEROSPACE, TRANSPORT, ENERGY, ...).
    async fn sector(&self) -> Option<enums::Sector> {
        self.details.sector.map(Into::into)
    }
    /// Minerals and applications used in it.
    async fn uses(&self) -> async_graphql::Result<Vec<Entity<'a>>> {
        self.base.linked_any(R::UsedIn, In)
    }
    /// Applications it is used in.
    async fn used_in(&self) -> async_graphql::Result<Vec<Application<'a>>> {
        self.base.linked(R::UsedIn, Out)
    }
    /// Minerals it is made of.
    async fn components(&self) -> async_graphql::Result<Vec<Mineral<'a>>> {
        self.base.linked(R::ComposedOf, Out)
    }
    /// Standards that concern it.
    async fn standards(&self) -> async_graphql::Result<Vec<Standard<'a>>> {
        self.base.linked(R::Concerns, In)
    }
    /// Directives that target it.
    async fn targeted_by(&self) -> async_graphql::Result<Vec<Directive<'a>>> {
        self.base.linked(R::Targets, In)
    }
    /// Directives that restrict it.
    async fn restricted_by(&self) -> async_graphql::Result<Vec<Directive<'a>>> {
        self.base.linked(R::Restricts, In)
    }
}

#[Object]
impl<'a> SupplyChainStageFields<'a> {
    /// Position in the chain, 1 = most upstream.
    async fn position(&self) -> Option<u32> {
        self.details.position
    }
    /// Stages that come next.
    async fn precedes(&self) -> async_graphql::Result<Vec<SupplyChainStage<'a>>> {
        self.base.linked(R::Precedes, Out)
    }
    /// Stages that come before.
    async fn follows(&self) -> async_graphql::Result<Vec<SupplyChainStage<'a>>> {
        self.base.linked(R::Precedes, In)
    }
    /// Larger stages it is part of.
    async fn part_of(&self) -> async_graphql::Result<Vec<SupplyChainStage<'a>>> {
        self.base.linked(R::PartOf, Out)
    }
    /// Minerals produced at this stage.
    async fn minerals(&self) -> async_graphql::Result<Vec<Mineral<'a>>> {
        self.base.linked(R::ProducedAt, In)
    }
    /// Standards that concern it.
    async fn standards(&self) -> async_graphql::Result<Vec<Standard<'a>>> {
        self.base.linked(R::Concerns, In)
    }
    /// Directives that target it.
    async fn targeted_by(&self) -> async_graphql::Result<Vec<Directive<'a>>> {
        self.base.linked(R::Targets, In)
    }
    /// Directives that restrict it.
    async fn restricted_by(&self) -> async_graphql::Result<Vec<Directive<'a>>> {
        self.base.linked(R::Restricts, In)
    }
}

#[Object]
impl<'a> LocationFields<'a> {
    /// COUNTRY, PROVINCE, CITY or COUNTY.
    async fn location_type(&self) -> enums::LocationType {
        self.details.location_type.into()
    }
    /// An official division code, e.g. `330122`.
    async fn division_code(&self) -> Option<&'a str> {
        self.details.division_code.as_deref()
    }
    /// Larger places it is part of.
    async fn part_of(&self) -> async_graphql::Result<Vec<Location<'a>>> {
        self.base.linked(R::PartOf, Out)
    }
    /// Places within it.
    async fn parts(&self) -> async_graphql::Result<Vec<Location<'a>>> {
        self.base.linked(R::PartOf, In)
    }
    /// Events, organizations and places located here.
    async fn location_of(&self) -> async_graphql::Result<Vec<Entity<'a>>> {
        self.base.linked_any(R::LocatedIn, In)
    }
}
