//! The fields of the supply chain's kinds: minerals, applications, supply-chain stages and
//! locations.
//!
//! Architecture invariant: one graph call per resolver, through `EntityBase`.

use super::lists::kind_fields;
use super::{
    Application, ApplicationFields, Directive, Entity, Location, LocationFields, Mineral,
    MineralFields, Standard, StandardBatch, SupplyChainStage, SupplyChainStageFields, enums,
};
use crate::graph::Direction::{Incoming as In, Outgoing as Out};

/// One scheme's light/heavy classification of an element.
#[derive(async_graphql::SimpleObject)]
pub struct ElementClassification {
    /// The scheme.
    pub scheme: enums::ClassificationScheme,
    /// The group the element falls in under it.
    pub group: enums::RareEarthGroup,
}

kind_fields! {
    MineralFields {
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
    }
    lists {
        /// Standards that concern it.
        standards: Standard = Concerns, In;
        /// Batches whose stated subjects include it.
        batches: StandardBatch = Concerns, In;
        /// What it is made of.
        components: Mineral = ComposedOf, Out;
        /// Minerals and applications it is a component of.
        component_of: Entity = ComposedOf, In;
        /// What it is produced from.
        produced_from: Mineral = ProducedFrom, Out;
        /// What is produced from it.
        feedstock_for: Mineral = ProducedFrom, In;
        /// Applications it is used in.
        applications: Application = UsedIn, Out;
        /// Supply-chain stages that produce it.
        stages: SupplyChainStage = ProducedAt, Out;
        /// Directives that restrict it (export controls).
        restricted_by: Directive = Restricts, In;
        /// Directives that target it.
        targeted_by: Directive = Targets, In;
    }
}

kind_fields! {
    ApplicationFields {
        /// The sector (DEFENSE, AEROSPACE, TRANSPORT, ENERGY, ...).
        async fn sector(&self) -> Option<enums::Sector> {
            self.details.sector.map(Into::into)
        }
    }
    lists {
        /// Minerals and applications used in it.
        uses: Entity = UsedIn, In;
        /// Applications it is used in.
        used_in: Application = UsedIn, Out;
        /// Minerals it is made of.
        components: Mineral = ComposedOf, Out;
        /// Standards that concern it.
        standards: Standard = Concerns, In;
        /// Directives that target it.
        targeted_by: Directive = Targets, In;
        /// Directives that restrict it.
        restricted_by: Directive = Restricts, In;
    }
}

kind_fields! {
    SupplyChainStageFields {
        /// Position in the chain, 1 = most upstream.
        async fn position(&self) -> Option<u32> {
            self.details.position
        }
    }
    lists {
        /// Stages that come next.
        precedes: SupplyChainStage = Precedes, Out;
        /// Stages that come before.
        follows: SupplyChainStage = Precedes, In;
        /// Larger stages it is part of.
        part_of: SupplyChainStage = PartOf, Out;
        /// Minerals produced at this stage.
        minerals: Mineral = ProducedAt, In;
        /// Standards that concern it.
        standards: Standard = Concerns, In;
        /// Directives that target it.
        targeted_by: Directive = Targets, In;
        /// Directives that restrict it.
        restricted_by: Directive = Restricts, In;
    }
}

kind_fields! {
    LocationFields {
        /// COUNTRY, PROVINCE, CITY or COUNTY.
        async fn location_type(&self) -> enums::LocationType {
            self.details.location_type.into()
        }
        /// An official division code, e.g. `330122`.
        async fn division_code(&self) -> Option<&'a str> {
            self.details.division_code.as_deref()
        }
    }
    lists {
        /// Larger places it is part of.
        part_of: Location = PartOf, Out;
        /// Places within it.
        parts: Location = PartOf, In;
        /// Events, organizations and places located here.
        location_of: Entity = LocatedIn, In;
    }
}
