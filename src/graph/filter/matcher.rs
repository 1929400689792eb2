//! A predicate prepared for one graph ([`Matcher`]): where its matches come from, and the test
//! of one entity.

use super::related::KeySet;
use super::{
    Comparison, DateField, EnumField, IntField, KindSet, Predicate, TextField, TextTest,
    compare_dates, enum_bit,
};
use crate::graph::{EntityKey, KnowledgeGraph};
use crate::model::{Date, Details};

/// An index's candidates lead when they are at most this fraction (1/n) of the entities of the
/// kinds a test can match.
const INDEX_SHARE: usize = 4;

/// A predicate prepared for one graph: relationship tests are sets already.
#[derive(Debug)]
enum Prepared {
    True,
    False,
    And(Vec<Prepared>),
    Or(Vec<Prepared>),
    Not(Box<Prepared>),
    Kinds(KindSet),
    Text(TextField, TextTest),
    Date(DateField, Comparison, Date),
    Int(IntField, Comparison, u64),
    IntIn(IntField, Vec<u64>),
    Enum(EnumField, u64),
    RareEarth(bool),
    ValidOn(Date),
    /// The entities with a qualifying relation.
    Related(KeySet),
}

/// Where matches come from: a small sorted list of keys, or a scan of kinds.
#[derive(Debug, Clone)]
pub(super) enum Candidates {
    Keys(Vec<EntityKey>),
    Scan(KindSet),
}

/// A predicate prepared for a graph (see [`KnowledgeGraph::matcher`]), with the kinds asked for.
#[derive(Debug)]
pub struct Matcher<'g> {
    graph: &'g KnowledgeGraph,
    prepared: Prepared,
    kinds: KindSet,
    pub(super) candidates: Candidates,
}

impl KnowledgeGraph {
    /// Prepares `predicate` for entities of `kinds`: evaluates its relationship tests (each
    /// O(entities + relations) at most, usually far less: see the module doc) and chooses
    /// where its matches come from.
    pub fn matcher(&self, predicate: &Predicate, kinds: KindSet) -> Matcher<'_> {
        super::super::reads::kinds(kinds.iter());
        let (prepared, candidates) = self.prepare(predicate, kinds);
        let candidates = match candidates {
            Candidates::Keys(keys) => Candidates::Keys(
                keys.into_iter()
                    .filter(|k| self.is_live(*k) && kinds.contains(self.kind_of(*k)))
                    .collect(),
            ),
            Candidates::Scan(k) => Candidates::Scan(k.and(kinds)),
        };
        Matcher {
            graph: self,
            prepared,
            kinds,
            candidates,
        }
    }

    fn prepare(&self, predicate: &Predicate, kinds: KindSet) -> (Prepared, Candidates) {
        let scan = |k: KindSet| Candidates::Scan(k.and(kinds));
        match predicate {
            Predicate::True => (Prepared::True, scan(KindSet::ALL)),
            Predicate::And(ps) => self.prepare_and(ps, kinds),
            Predicate::Or(ps) => self.prepare_or(ps, kinds),
            Predicate::Not(p) => {
                let (prepared, _) = self.prepare(p, KindSet::ALL);
                (Prepared::Not(Box::new(prepared)), scan(KindSet::ALL))
            }
            Predicate::Text(TextField::Id, test @ (TextTest::Eq(_) | TextTest::In(_))) => {
                self.prepare_ids(test)
            }
            Predicate::Related {
                types,
                direction,
                min_grade,
                other,
            } => {
                let (set, keys) = self.related_set(*types, *direction, *min_grade, other);
                let candidates = Candidates::Keys(keys);
                (Prepared::Related(set), candidates)
            }
            Predicate::Kinds(k) => (Prepared::Kinds(*k), scan(*k)),
            Predicate::Text(f, t) => {
                let kinds = predicate.kinds().and(kinds);
                // A range of a sorted index leads when it is a small part of the kind's list
                // (a large one is left to the scan, which stops after a page).
                let most = self.count_in(kinds) / INDEX_SHARE;
                let candidates = match self.text_candidates(*f, t, most) {
                    Some(Ok(keys)) => Candidates::Keys(keys),
                    _ => scan(kinds),
                };
                (Prepared::Text(*f, t.clone()), candidates)
            }
            Predicate::Date(f, c, d) => (Prepared::Date(*f, *c, *d), scan(predicate.kinds())),
            Predicate::Int(f, c, n) => (Prepared::Int(*f, *c, *n), scan(predicate.kinds())),
            Predicate::IntIn(f, ns) => (Prepared::IntIn(*f, ns.clone()), scan(predicate.kinds())),
            Predicate::Enum(f, mask) => (Prepared::Enum(*f, *mask), scan(predicate.kinds())),
            Predicate::RareEarth(b) => (Prepared::RareEarth(*b), scan(predicate.kinds())),
            Predicate::ValidOn(d) => (Prepared::ValidOn(*d), scan(KindSet::ALL)),
        }
    }

    /// `And`: the smallest key list among the parts when it is smaller than the scan of the
    /// kinds every part allows, else that scan.
    fn prepare_and(&self, ps: &[Predicate], kinds: KindSet) -> (Prepared, Candidates) {
        let mut best: Option<Candidates> = None;
        let mut parts = Vec::with_capacity(ps.len());
        let mut scan_kinds = kinds;
        for p in ps {
            let (prepared, candidates) = self.prepare(p, kinds);
            parts.push(prepared);
            match candidates {
                Candidates::Keys(keys) => {
                    if !matches!(&best, Some(Candidates::Keys(b)) if b.len() <= keys.len()) {
                        best = Some(Candidates::Keys(keys));
                    }
                }
                Candidates::Scan(k) => scan_kinds = scan_kinds.and(k),
            }
        }
        let candidates = match best {
            Some(Candidates::Keys(keys)) if keys.len() < self.count_in(scan_kinds) => {
                Candidates::Keys(keys)
            }
            _ => Candidates::Scan(scan_kinds),
        };
        (Prepared::And(parts), candidates)
    }

    /// `Or`: the union of the parts' key lists when every part has one, else a scan of the
    /// kinds any part allows; no part matches nothing.
    fn prepare_or(&self, ps: &[Predicate], kinds: KindSet) -> (Prepared, Candidates) {
        let scan = |k: KindSet| Candidates::Scan(k.and(kinds));
        let mut parts = Vec::with_capacity(ps.len());
        let mut keys = Some(Vec::new());
        let mut scan_kinds = KindSet::NONE;
        for p in ps {
            let (prepared, candidates) = self.prepare(p, kinds);
            parts.push(prepared);
            match candidates {
                Candidates::Keys(k) => {
                    for key in &k {
                        scan_kinds = scan_kinds.or(KindSet::one(self.kind_of(*key)));
                    }
                    if let Some(all) = &mut keys {
                        all.extend(k);
                    }
                }
                Candidates::Scan(k) => {
                    scan_kinds = scan_kinds.or(k);
                    keys = None;
                }
            }
        }
        let candidates = match keys {
            Some(mut all) => {
                all.sort_unstable();
                all.dedup();
                Candidates::Keys(all)
            }
            None => scan(scan_kinds),
        };
        if parts.is_empty() {
            return (Prepared::False, Candidates::Keys(Vec::new()));
        }
        (Prepared::Or(parts), candidates)
    }

    /// An id test (`eq` or `in`): its candidates come from the id index.
    fn prepare_ids(&self, test: &TextTest) -> (Prepared, Candidates) {
        let ids: &[String] = match test {
            TextTest::Eq(id) => std::slice::from_ref(id),
            TextTest::In(ids) => ids,
            _ => &[],
        };
        let mut keys: Vec<EntityKey> = ids.iter().filter_map(|i| self.lookup(i)).collect();
        keys.sort_unstable();
        keys.dedup();
        (
            Prepared::Text(TextField::Id, test.clone()),
            Candidates::Keys(keys),
        )
    }

    fn count_in(&self, kinds: KindSet) -> usize {
        kinds.iter().map(|k| self.count_of_kind(k)).sum()
    }

    /// How many entities match. O(kinds) without a predicate, else O(candidates).
    pub fn count_matching(&self, matcher: &Matcher<'_>) -> usize {
        if let (Prepared::True, Candidates::Scan(kinds)) = (&matcher.prepared, &matcher.candidates)
        {
            return self.count_in(*kinds);
        }
        let mut n = 0;
        matcher.for_each(|_| {
            n += 1;
            true
        });
        n
    }
}

impl Matcher<'_> {
    /// Whether `key` matches (its kind among those asked for, and the predicate). O(predicate).
    pub fn test(&self, key: EntityKey) -> bool {
        self.kinds.contains(self.graph.kind_of(key)) && self.eval(&self.prepared, key)
    }

    /// Calls `f` on every match, in candidate order (kind then id for a scan, key order for a
    /// list; over a delta, a scan visits each kind's base entities the delta left as they were,
    /// then its entities the delta holds, in key order), until it returns false.
    pub(super) fn for_each(&self, mut f: impl FnMut(EntityKey) -> bool) {
        match &self.candidates {
            Candidates::Keys(keys) => {
                for &k in keys {
                    if self.test(k) && !f(k) {
                        return;
                    }
                }
            }
            Candidates::Scan(kinds) if self.graph.delta.is_none() => {
                for kind in kinds.iter() {
                    for &k in &self.graph.base.by_kind[kind.index()] {
                        if self.eval(&self.prepared, k) && !f(k) {
                            return;
                        }
                    }
                }
            }
            Candidates::Scan(kinds) => {
                let graph = self.graph;
                let own = graph.delta_keys();
                for kind in kinds.iter() {
                    let base = graph.base.by_kind[kind.index()]
                        .iter()
                        .copied()
                        .filter(|k| !graph.differs_from_base(*k));
                    let own = own.iter().copied().filter(|k| graph.kind_of(*k) == kind);
                    for k in base.chain(own) {
                        if self.eval(&self.prepared, k) && !f(k) {
                            return;
                        }
                    }
                }
            }
        }
    }

    fn eval(&self, p: &Prepared, key: EntityKey) -> bool {
        let e = self.graph.entity(key);
        match p {
            Prepared::True => true,
            Prepared::False => false,
            Prepared::And(ps) => ps.iter().all(|p| self.eval(p, key)),
            Prepared::Or(ps) => ps.iter().any(|p| self.eval(p, key)),
            Prepared::Not(p) => !self.eval(p, key),
            Prepared::Kinds(k) => k.contains(self.graph.kind_of(key)),
            Prepared::Text(f, t) => f.value(e).is_some_and(|v| t.holds(v)),
            Prepared::Date(f, c, d) => f.value(e).is_some_and(|v| c.holds(compare_dates(v, *d))),
            Prepared::Int(f, c, n) => self.int(*f, key).is_some_and(|v| c.holds(v.cmp(n))),
            Prepared::IntIn(f, ns) => self.int(*f, key).is_some_and(|v| ns.contains(&v)),
            Prepared::Enum(f, mask) => self
                .graph
                .filter_row(key)
                .enum_value(*f)
                .is_some_and(|v| enum_bit(v) & mask != 0),
            Prepared::RareEarth(b) => {
                matches!(&e.details, Details::Mineral(d) if d.rare_earth == *b)
            }
            Prepared::Related(set) => set.contains(key),
            Prepared::ValidOn(d) => self.graph.valid_on(key, *d),
        }
    }

    fn int(&self, f: IntField, key: EntityKey) -> Option<u64> {
        let e = self.graph.entity(key);
        match (f, &e.details) {
            (IntField::Degree, _) => Some(self.graph.degree(key) as u64),
            (IntField::AtomicNumber, Details::Mineral(d)) => d.atomic_number.map(u64::from),
            (IntField::DirectiveOrdinal, Details::Directive(d)) => d.ordinal.map(u64::from),
            (IntField::StagePosition, Details::SupplyChainStage(d)) => d.position.map(u64::from),
            (IntField::BatchPlanYear, Details::StandardBatch(d)) => d.plan_year.map(u64::from),
            (IntField::BatchCount, Details::StandardBatch(d)) => Some(u64::from(d.count)),
            (IntField::EventAttendeesAtLeast, Details::Event(d)) => {
                d.attendees_at_least.map(u64::from)
            }
            _ => None,
        }
    }
}
