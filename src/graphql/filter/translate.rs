//! A `where` argument's checks (the kinds it can meet, nesting, `in` and test counts) and its
//! translation to the graph's [`Predicate`].

mod kinds;

use super::values::{DateFilter, IdFilter, IntFilter, KindFilter, TextFilter};
use super::{
    EntityWhere, MAX_IN, MAX_RELATION_DEPTH, MAX_TESTS, RelationWhere, bad, kind_names, screaming,
};
use crate::graph::{
    self, Comparison, DateField, IntField, KindSet, Predicate, RelationFilter, TextField, TextTest,
};
use crate::graphql::{ErrorCode, error};
use crate::model;

/// Translates a `where` argument, checking it against the kinds it can meet.
struct Translate {
    tests: usize,
}

/// The predicate of `where` for entities of `kinds` (where an argument says so).
pub(crate) fn predicate(
    filter: &EntityWhere,
    kinds: KindSet,
    context: &str,
) -> async_graphql::Result<Predicate> {
    Translate { tests: 0 }.entity(filter, kinds, context, "where", 0)
}

impl Translate {
    pub(super) fn count(&mut self, n: usize) -> async_graphql::Result<()> {
        self.tests += n;
        if self.tests > MAX_TESTS {
            return Err(error(
                ErrorCode::LimitExceeded,
                format!("`where` holds more than {MAX_TESTS} tests and connectives, its maximum"),
            ));
        }
        Ok(())
    }

    fn entity(
        &mut self,
        w: &EntityWhere,
        kinds: KindSet,
        context: &str,
        path: &str,
        depth: usize,
    ) -> async_graphql::Result<Predicate> {
        let mut all = Vec::new();
        self.connectives(w, kinds, context, path, depth, &mut all)?;
        if let Some(f) = &w.id {
            self.id(f, path, &mut all)?;
        }
        if let Some(f) = &w.kind {
            self.kind(f, kinds, context, path, &mut all)?;
        }
        if let Some(f) = &w.name {
            self.text(f, TextField::Name, &format!("{path}.name"), &mut all)?;
        }
        if let Some(f) = &w.degree {
            self.int(f, IntField::Degree, &format!("{path}.degree"), &mut all)?;
        }
        self.own_attributes(w, kinds, context, path, &mut all)?;
        if let Some(r) = &w.relation {
            all.push(self.relation(r, kinds, context, path, depth)?);
        }
        Ok(match all.len() {
            0 => Predicate::True,
            1 => all.pop().unwrap_or(Predicate::True),
            _ => Predicate::And(all),
        })
    }

    /// `AND`, `OR` and `NOT`.
    fn connectives(
        &mut self,
        w: &EntityWhere,
        kinds: KindSet,
        context: &str,
        path: &str,
        depth: usize,
        all: &mut Vec<Predicate>,
    ) -> async_graphql::Result<()> {
        if let Some(ws) = &w.and {
            let parts = self.each(ws, kinds, context, &format!("{path}.AND"), depth)?;
            all.push(Predicate::And(parts));
        }
        if let Some(ws) = &w.or {
            let parts = self.each(ws, kinds, context, &format!("{path}.OR"), depth)?;
            all.push(Predicate::Or(parts));
        }
        if let Some(w) = &w.not {
            self.count(1)?;
            let inner = self.entity(w, kinds, context, &format!("{path}.NOT"), depth)?;
            all.push(Predicate::Not(Box::new(inner)));
        }
        Ok(())
    }

    /// The conditions of an `AND` or `OR` list at `path`, counted as one test.
    fn each(
        &mut self,
        ws: &[EntityWhere],
        kinds: KindSet,
        context: &str,
        path: &str,
        depth: usize,
    ) -> async_graphql::Result<Vec<Predicate>> {
        self.count(1)?;
        ws.iter()
            .enumerate()
            .map(|(i, w)| self.entity(w, kinds, context, &format!("{path}[{i}]"), depth))
            .collect()
    }

    /// `id`: `eq` and `in` (checked against [`MAX_IN`]).
    fn id(
        &mut self,
        f: &IdFilter,
        path: &str,
        all: &mut Vec<Predicate>,
    ) -> async_graphql::Result<()> {
        if let Some(id) = &f.eq {
            self.count(1)?;
            all.push(Predicate::Text(TextField::Id, TextTest::Eq(id.to_string())));
        }
        if let Some(list) = &f.in_ {
            self.count(1)?;
            check_in(list.len(), &format!("{path}.id.in"))?;
            let ids = list.iter().map(|i| i.to_string()).collect();
            all.push(Predicate::Text(TextField::Id, TextTest::In(ids)));
        }
        Ok(())
    }

    /// `kind`: the kinds asked for, which must meet `kinds`.
    fn kind(
        &mut self,
        f: &KindFilter,
        kinds: KindSet,
        context: &str,
        path: &str,
        all: &mut Vec<Predicate>,
    ) -> async_graphql::Result<()> {
        let mut asked = KindSet::ALL;
        if let Some(k) = f.eq {
            asked = asked.and(KindSet::one(k.into()));
        }
        if let Some(ks) = &f.in_ {
            check_in(ks.len(), &format!("{path}.kind.in"))?;
            let ks: Vec<model::EntityKind> = ks.iter().map(|k| (*k).into()).collect();
            asked = asked.and(if ks.is_empty() {
                KindSet::NONE
            } else {
                KindSet::of(&ks)
            });
        }
        self.count(1)?;
        if asked != KindSet::ALL && asked.and(kinds).is_empty() {
            return Err(bad(format!(
                "`{path}.kind` asks for {}, but {context} can only be {}",
                kind_names(asked),
                kind_names(kinds)
            )));
        }
        all.push(Predicate::Kinds(asked));
        Ok(())
    }

    /// `relation`: its nesting, the kinds it can start from and reach, and its `to` filter.
    fn relation(
        &mut self,
        r: &RelationWhere,
        kinds: KindSet,
        context: &str,
        path: &str,
        depth: usize,
    ) -> async_graphql::Result<Predicate> {
        self.count(1)?;
        if depth >= MAX_RELATION_DEPTH {
            return Err(error(
                ErrorCode::LimitExceeded,
                format!(
                    "`{path}.relation` nests {} `relation` filters, above the maximum of \
                     {MAX_RELATION_DEPTH}",
                    depth + 1
                ),
            ));
        }
        let t: model::RelationType = r.relation_type.into();
        let direction: graph::Direction = r.direction.into();
        let spec = t.spec();
        let reach = match direction {
            graph::Direction::Outgoing => KindSet::of(spec.to),
            graph::Direction::Incoming => KindSet::of(spec.from),
            graph::Direction::Both => KindSet::of(spec.to).or(KindSet::of(spec.from)),
        };
        let from_here = match direction {
            graph::Direction::Outgoing => KindSet::of(spec.from),
            graph::Direction::Incoming => KindSet::of(spec.to),
            graph::Direction::Both => reach,
        };
        if from_here.and(kinds).is_empty() {
            return Err(bad(format!(
                "`{path}.relation`: no {} relation {} {} ({context})",
                t.name(),
                match direction {
                    graph::Direction::Outgoing => "starts at",
                    graph::Direction::Incoming => "ends at",
                    graph::Direction::Both => "touches",
                },
                kind_names(kinds)
            )));
        }
        let context = format!(
            "the other end of {} {}",
            t.name(),
            screaming(&format!("{direction:?}"))
        );
        let other = match &r.to {
            Some(to) => self.entity(
                to,
                reach,
                &context,
                &format!("{path}.relation.to"),
                depth + 1,
            )?,
            None => Predicate::True,
        };
        Ok(Predicate::Related {
            types: RelationFilter::only([t]),
            direction,
            min_grade: r.min_grade.into(),
            other: Box::new(other),
        })
    }

    pub(super) fn opt_text(
        &mut self,
        f: &Option<TextFilter>,
        field: TextField,
        path: &str,
        name: &str,
        all: &mut Vec<Predicate>,
    ) -> async_graphql::Result<()> {
        match f {
            Some(f) => self.text(f, field, &format!("{path}.{name}"), all),
            None => Ok(()),
        }
    }

    pub(super) fn opt_date(
        &mut self,
        f: &Option<DateFilter>,
        field: DateField,
        path: &str,
        name: &str,
        all: &mut Vec<Predicate>,
    ) -> async_graphql::Result<()> {
        let Some(f) = f else { return Ok(()) };
        let path = format!("{path}.{name}");
        for (op, c) in [
            (&f.eq, Comparison::Eq),
            (&f.gt, Comparison::Gt),
            (&f.gte, Comparison::Gte),
            (&f.lt, Comparison::Lt),
            (&f.lte, Comparison::Lte),
        ] {
            if let Some(date) = crate::graphql::edges::date(&path, op.as_deref())? {
                self.count(1)?;
                all.push(Predicate::Date(field, c, date));
            }
        }
        Ok(())
    }

    pub(super) fn opt_int(
        &mut self,
        f: &Option<IntFilter>,
        field: IntField,
        path: &str,
        name: &str,
        all: &mut Vec<Predicate>,
    ) -> async_graphql::Result<()> {
        match f {
            Some(f) => self.int(f, field, &format!("{path}.{name}"), all),
            None => Ok(()),
        }
    }

    fn text(
        &mut self,
        f: &TextFilter,
        field: TextField,
        path: &str,
        all: &mut Vec<Predicate>,
    ) -> async_graphql::Result<()> {
        if let Some(t) = &f.eq {
            self.count(1)?;
            all.push(Predicate::Text(field, TextTest::Eq(t.clone())));
        }
        if let Some(ts) = &f.in_ {
            self.count(1)?;
            check_in(ts.len(), &format!("{path}.in"))?;
            all.push(Predicate::Text(field, TextTest::In(ts.clone())));
        }
        if let Some(t) = &f.starts_with {
            self.count(1)?;
            all.push(Predicate::Text(field, TextTest::starts_with(t)));
        }
        if let Some(t) = &f.contains {
            self.count(1)?;
            all.push(Predicate::Text(field, TextTest::contains(t)));
        }
        Ok(())
    }

    fn int(
        &mut self,
        f: &IntFilter,
        field: IntField,
        path: &str,
        all: &mut Vec<Predicate>,
    ) -> async_graphql::Result<()> {
        for (op, c) in [
            (f.eq, Comparison::Eq),
            (f.gt, Comparison::Gt),
            (f.gte, Comparison::Gte),
            (f.lt, Comparison::Lt),
            (f.lte, Comparison::Lte),
        ] {
            if let Some(n) = op {
                self.count(1)?;
                all.push(Predicate::Int(field, c, u64::from(n)));
            }
        }
        if let Some(ns) = &f.in_ {
            self.count(1)?;
            check_in(ns.len(), &format!("{path}.in"))?;
            all.push(Predicate::IntIn(
                field,
                ns.iter().map(|n| u64::from(*n)).collect(),
            ));
        }
        Ok(())
    }
}

fn check_in(len: usize, path: &str) -> async_graphql::Result<()> {
    if len > MAX_IN {
        return Err(error(
            ErrorCode::LimitExceeded,
            format!("`{path}` has {len} values, above its maximum of {MAX_IN}"),
        ));
    }
    Ok(())
}
