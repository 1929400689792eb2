//! A `where` argument's kind fields (`standard: { ... }`): which kind one names, and its
//! attributes' tests.

use super::Translate;
use crate::graph::{DateField, IntField, KindSet, Predicate, TextField};
use crate::graphql::filter::kinds::{
    ApplicationWhere, DirectiveWhere, EventWhere, LocationWhere, MineralWhere, OrganizationWhere,
    SourceWhere, StandardBatchWhere, StandardWhere, SupplyChainStageWhere,
};
use crate::graphql::filter::{EntityWhere, bad, kind_name, kind_names};
use crate::model;

impl Translate {
    /// A kind's own attributes (`standard: { ... }`): at most one kind field, of a kind that
    /// `kinds` holds.
    pub(super) fn own_attributes(
        &mut self,
        w: &EntityWhere,
        kinds: KindSet,
        context: &str,
        path: &str,
        all: &mut Vec<Predicate>,
    ) -> async_graphql::Result<()> {
        let mut kind_fields = Vec::new();
        let mut each_kind = |name: &str, kind: model::EntityKind, given: bool| {
            if given {
                kind_fields.push((name.to_owned(), kind));
            }
        };
        use model::EntityKind as K;
        each_kind("standard", K::Standard, w.standard.is_some());
        each_kind(
            "standardBatch",
            K::StandardBatch,
            w.standard_batch.is_some(),
        );
        each_kind("mineral", K::Mineral, w.mineral.is_some());
        each_kind("event", K::Event, w.event.is_some());
        each_kind("directive", K::Directive, w.directive.is_some());
        each_kind("organization", K::Organization, w.organization.is_some());
        each_kind("application", K::Application, w.application.is_some());
        each_kind(
            "supplyChainStage",
            K::SupplyChainStage,
            w.supply_chain_stage.is_some(),
        );
        each_kind("location", K::Location, w.location.is_some());
        each_kind("source", K::Source, w.source.is_some());
        if let [(a, _), (b, _), ..] = kind_fields.as_slice() {
            return Err(bad(format!(
                "`{path}` tests `{a}` and `{b}` together, but an entity has one kind: put them \
                 in `OR: [{{ {a}: ... }}, {{ {b}: ... }}]`"
            )));
        }
        if let Some((name, kind)) = kind_fields.first() {
            if !kinds.contains(*kind) {
                return Err(bad(format!(
                    "`{path}.{name}` filters {} entities, but {context} can only be {}",
                    kind_name(*kind),
                    kind_names(kinds)
                )));
            }
            self.count(1)?;
            all.push(Predicate::Kinds(KindSet::one(*kind)));
            self.kind_fields(w, &format!("{path}.{name}"), all)?;
        }
        Ok(())
    }

    /// The tests under a kind field, enum tests last.
    fn kind_fields(
        &mut self,
        w: &EntityWhere,
        path: &str,
        all: &mut Vec<Predicate>,
    ) -> async_graphql::Result<()> {
        let mut enums = Vec::new();
        if let Some(s) = &w.standard {
            self.standard_fields(s, path, all, &mut enums)?;
        }
        if let Some(s) = &w.standard_batch {
            self.standard_batch_fields(s, path, all, &mut enums)?;
        }
        if let Some(m) = &w.mineral {
            self.mineral_fields(m, path, all, &mut enums)?;
        }
        if let Some(e) = &w.event {
            self.event_fields(e, path, all, &mut enums)?;
        }
        if let Some(d) = &w.directive {
            self.directive_fields(d, path, all, &mut enums)?;
        }
        if let Some(o) = &w.organization {
            self.organization_fields(o, path, all, &mut enums)?;
        }
        if let Some(a) = &w.application {
            self.application_fields(a, &mut enums);
        }
        if let Some(s) = &w.supply_chain_stage {
            self.supply_chain_stage_fields(s, path, all)?;
        }
        if let Some(l) = &w.location {
            self.location_fields(l, path, all, &mut enums)?;
        }
        if let Some(s) = &w.source {
            self.source_fields(s, path, all, &mut enums)?;
        }
        self.count(enums.len())?;
        all.extend(enums);
        Ok(())
    }

    fn standard_fields(
        &mut self,
        s: &StandardWhere,
        path: &str,
        all: &mut Vec<Predicate>,
        enums: &mut Vec<Predicate>,
    ) -> async_graphql::Result<()> {
        self.opt_text(&s.code, TextField::StandardCode, path, "code", all)?;
        self.opt_text(&s.title, TextField::StandardTitle, path, "title", all)?;
        s.level.iter().for_each(|f| f.predicates(enums));
        s.status.iter().for_each(|f| f.predicates(enums));
        self.opt_date(&s.issued, DateField::StandardIssued, path, "issued", all)?;
        self.opt_date(
            &s.effective,
            DateField::StandardEffective,
            path,
            "effective",
            all,
        )?;
        Ok(())
    }

    fn standard_batch_fields(
        &mut self,
        s: &StandardBatchWhere,
        path: &str,
        all: &mut Vec<Predicate>,
        enums: &mut Vec<Predicate>,
    ) -> async_graphql::Result<()> {
        s.status.iter().for_each(|f| f.predicates(enums));
        self.opt_date(&s.decided, DateField::BatchDecided, path, "decided", all)?;
        self.opt_int(&s.plan_year, IntField::BatchPlanYear, path, "planYear", all)?;
        self.opt_int(&s.count, IntField::BatchCount, path, "count", all)?;
        Ok(())
    }

    fn mineral_fields(
        &mut self,
        m: &MineralWhere,
        path: &str,
        all: &mut Vec<Predicate>,
        enums: &mut Vec<Predicate>,
    ) -> async_graphql::Result<()> {
        m.form.iter().for_each(|f| f.predicates(enums));
        self.opt_text(&m.symbol, TextField::MineralSymbol, path, "symbol", all)?;
        self.opt_text(&m.formula, TextField::MineralFormula, path, "formula", all)?;
        self.opt_int(
            &m.atomic_number,
            IntField::AtomicNumber,
            path,
            "atomicNumber",
            all,
        )?;
        if let Some(b) = m.rare_earth {
            self.count(1)?;
            all.push(Predicate::RareEarth(b));
        }
        Ok(())
    }

    fn event_fields(
        &mut self,
        e: &EventWhere,
        path: &str,
        all: &mut Vec<Predicate>,
        enums: &mut Vec<Predicate>,
    ) -> async_graphql::Result<()> {
        e.event_type.iter().for_each(|f| f.predicates(enums));
        self.opt_date(&e.start_date, DateField::EventStart, path, "startDate", all)?;
        self.opt_date(&e.end_date, DateField::EventEnd, path, "endDate", all)?;
        self.opt_int(
            &e.attendees_at_least,
            IntField::EventAttendeesAtLeast,
            path,
            "attendeesAtLeast",
            all,
        )?;
        Ok(())
    }

    fn directive_fields(
        &mut self,
        d: &DirectiveWhere,
        path: &str,
        all: &mut Vec<Predicate>,
        enums: &mut Vec<Predicate>,
    ) -> async_graphql::Result<()> {
        d.directive_type.iter().for_each(|f| f.predicates(enums));
        self.opt_text(&d.number, TextField::DirectiveNumber, path, "number", all)?;
        self.opt_int(&d.ordinal, IntField::DirectiveOrdinal, path, "ordinal", all)?;
        self.opt_date(&d.issued, DateField::DirectiveIssued, path, "issued", all)?;
        self.opt_date(
            &d.effective,
            DateField::DirectiveEffective,
            path,
            "effective",
            all,
        )?;
        Ok(())
    }

    fn organization_fields(
        &mut self,
        o: &OrganizationWhere,
        path: &str,
        all: &mut Vec<Predicate>,
        enums: &mut Vec<Predicate>,
    ) -> async_graphql::Result<()> {
        o.org_type.iter().for_each(|f| f.predicates(enums));
        self.opt_text(&o.code, TextField::OrganizationCode, path, "code", all)?;
        Ok(())
    }

    fn application_fields(&mut self, a: &ApplicationWhere, enums: &mut Vec<Predicate>) {
        a.sector.iter().for_each(|f| f.predicates(enums));
    }

    fn supply_chain_stage_fields(
        &mut self,
        s: &SupplyChainStageWhere,
        path: &str,
        all: &mut Vec<Predicate>,
    ) -> async_graphql::Result<()> {
        self.opt_int(&s.position, IntField::StagePosition, path, "position", all)?;
        Ok(())
    }

    fn location_fields(
        &mut self,
        l: &LocationWhere,
        path: &str,
        all: &mut Vec<Predicate>,
        enums: &mut Vec<Predicate>,
    ) -> async_graphql::Result<()> {
        l.location_type.iter().for_each(|f| f.predicates(enums));
        self.opt_text(
            &l.division_code,
            TextField::LocationDivisionCode,
            path,
            "divisionCode",
            all,
        )?;
        Ok(())
    }

    fn source_fields(
        &mut self,
        s: &SourceWhere,
        path: &str,
        all: &mut Vec<Predicate>,
        enums: &mut Vec<Predicate>,
    ) -> async_graphql::Result<()> {
        s.source_type.iter().for_each(|f| f.predicates(enums));
        self.opt_text(
            &s.publisher,
            TextField::SourcePublisher,
            path,
            "publisher",
            all,
        )?;
        self.opt_date(
            &s.published,
            DateField::SourcePublished,
            path,
            "published",
            all,
        )?;
        Ok(())
    }
}
