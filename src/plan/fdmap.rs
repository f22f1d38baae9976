//! The descriptor rearrangement, planned as a pure function over integers.
//!
//! Input: the descriptor table (`sources[i]` must end up duplicated at slot `i`) and the
//! *control* descriptors caprun itself needs until `execveat` (the program descriptor, a
//! saved copy of stderr). Output: a short list of operations on "registers" (the distinct
//! descriptors involved) that [`crate::exec`] replays with raw syscalls:
//!
//! * `dup2` a source into its slot (which clears close-on-exec), or, when the source
//!   already sits at its slot, clear its close-on-exec flag;
//! * before a slot is overwritten, every pending slot that reads the descriptor living
//!   there is filled first (a depth-first walk of the dependencies); only a descriptor on
//!   a *cycle* (a permutation such as 0↔1), or a control sitting inside the table, is
//!   *lifted* above the table with `F_DUPFD_CLOEXEC` — the idea of the `command-fds`
//!   crate, applied only where it is needed, so a shift of N descriptors needs no extra
//!   descriptor at all;
//! * afterwards everything at or above the table except the controls is closed.
//!
//! Where `F_DUPFD_CLOEXEC` lands depends on which descriptors happen to be open, so
//! lifted registers are updated at run time rather than predicted. The planner runs in
//! time linear in the number of slots.

use std::collections::HashMap;
use std::os::fd::RawFd;

/// One step of a rearrangement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `regs[reg] = fcntl(regs[reg], F_DUPFD_CLOEXEC, n)`.
    Lift(usize),
    /// `dup2(regs[reg], slot)`.
    Place {
        /// Register holding the source.
        reg: usize,
        /// Destination slot.
        slot: RawFd,
    },
    /// The source already sits at `slot`: clear its close-on-exec flag.
    KeepInPlace(RawFd),
}

/// A planned rearrangement; see the module documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FdPlan {
    /// Initial value of each register: the distinct descriptors among sources and controls.
    pub regs: Vec<RawFd>,
    /// Register index of each control descriptor, in the order given to [`plan`].
    pub control_regs: Vec<usize>,
    /// Operations in order.
    pub ops: Vec<Op>,
    /// Number of slots (`sources.len()`): descriptors `0..slots` are the table.
    pub slots: RawFd,
}

/// Error from [`plan`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FdPlanError {
    /// A negative descriptor number.
    #[error("invalid descriptor {0}")]
    Negative(RawFd),
    /// More slots than descriptor numbers.
    #[error("too many descriptors ({0})")]
    TooMany(usize),
}

/// Working state of [`plan`].
struct Planner<'a> {
    regs: Vec<RawFd>,
    source_regs: Vec<usize>,
    /// For each register, the slots it must be copied to.
    readers: Vec<Vec<usize>>,
    /// The register initially living at each slot number, if any.
    reg_at: &'a HashMap<RawFd, usize>,
    lifted: Vec<bool>,
    placed: Vec<bool>,
    on_stack: Vec<bool>,
    ops: Vec<Op>,
}

impl Planner<'_> {
    fn lift(&mut self, reg: usize) {
        if !self.lifted[reg] {
            self.lifted[reg] = true;
            self.ops.push(Op::Lift(reg));
        }
    }

    /// Fill `slot`, first filling every pending slot that still needs the descriptor
    /// currently at `slot`. Iterative, so a long chain cannot exhaust the stack.
    fn fill(&mut self, slot: usize) {
        // Frames: (slot, index of the next reader to look at).
        let mut stack = vec![(slot, 0usize)];
        self.on_stack[slot] = true;
        while let Some(&mut (s, ref mut next)) = stack.last_mut() {
            let resident = self.reg_at.get(&(s as RawFd)).copied();
            let src = self.source_regs[s];
            // The slot's current occupant must outlive the overwrite: place its readers
            // first, unless it is this slot's own source (it stays) or already lifted.
            if let Some(r) = resident.filter(|&r| r != src && !self.lifted[r]) {
                if let Some(&k) = self.readers[r].get(*next) {
                    *next += 1;
                    if k == s || self.placed[k] {
                        continue;
                    }
                    if self.on_stack[k] {
                        // A cycle: move the occupant out of the way instead.
                        self.lift(r);
                    } else {
                        self.on_stack[k] = true;
                        stack.push((k, 0));
                    }
                    continue;
                }
            }
            if resident == Some(src) && !self.lifted[src] {
                self.ops.push(Op::KeepInPlace(s as RawFd));
            } else {
                self.ops.push(Op::Place {
                    reg: src,
                    slot: s as RawFd,
                });
            }
            self.placed[s] = true;
            self.on_stack[s] = false;
            stack.pop();
        }
    }
}

/// Plan moving `sources[i]` to slot `i` for every `i`, keeping `controls` open above the
/// table. Sources may repeat; controls may coincide with sources.
pub fn plan(sources: &[RawFd], controls: &[RawFd]) -> Result<FdPlan, FdPlanError> {
    if let Some(&bad) = sources.iter().chain(controls).find(|&&fd| fd < 0) {
        return Err(FdPlanError::Negative(bad));
    }
    let slots = RawFd::try_from(sources.len()).map_err(|_| FdPlanError::TooMany(sources.len()))?;
    let mut regs: Vec<RawFd> = Vec::new();
    let mut index: HashMap<RawFd, usize> = HashMap::new();
    let mut reg_of = |fd: RawFd| {
        *index.entry(fd).or_insert_with(|| {
            regs.push(fd);
            regs.len() - 1
        })
    };
    let source_regs: Vec<usize> = sources.iter().map(|&fd| reg_of(fd)).collect();
    let control_regs: Vec<usize> = controls.iter().map(|&fd| reg_of(fd)).collect();
    let mut readers = vec![Vec::new(); regs.len()];
    for (slot, &r) in source_regs.iter().enumerate() {
        readers[r].push(slot);
    }
    let reg_at: HashMap<RawFd, usize> = index.into_iter().filter(|&(fd, _)| fd < slots).collect();
    let n = sources.len();
    let mut p = Planner {
        lifted: vec![false; regs.len()],
        regs,
        source_regs,
        readers,
        reg_at: &reg_at,
        placed: vec![false; n],
        on_stack: vec![false; n],
        ops: Vec::new(),
    };
    // Controls must end above the table: lift those inside it before anything moves.
    for &r in &control_regs {
        if p.regs[r] < slots {
            p.lift(r);
        }
    }
    for slot in 0..n {
        if !p.placed[slot] {
            p.fill(slot);
        }
    }
    Ok(FdPlan {
        regs: p.regs,
        control_regs,
        ops: p.ops,
        slots,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// A model of a process's descriptor table: fd → (open file identity, close-on-exec).
    #[derive(Debug, Clone)]
    struct Model(BTreeMap<RawFd, (u32, bool)>);

    impl Model {
        fn dupfd_cloexec(&mut self, fd: RawFd, min: RawFd) -> RawFd {
            let file = self.0[&fd].0;
            let mut new = min;
            while self.0.contains_key(&new) {
                new += 1;
            }
            self.0.insert(new, (file, true));
            new
        }
    }

    /// Replay a plan on the model exactly as `exec` does on the kernel.
    fn run(plan: &FdPlan, model: &mut Model) -> Vec<RawFd> {
        let mut regs = plan.regs.clone();
        for op in &plan.ops {
            match *op {
                Op::Lift(r) => regs[r] = model.dupfd_cloexec(regs[r], plan.slots),
                Op::Place { reg, slot } => {
                    let file = model.0[&regs[reg]].0;
                    model.0.insert(slot, (file, false));
                }
                Op::KeepInPlace(slot) => model.0.get_mut(&slot).unwrap().1 = false,
            }
        }
        let controls: Vec<RawFd> = plan.control_regs.iter().map(|&r| regs[r]).collect();
        model
            .0
            .retain(|&fd, _| fd < plan.slots || controls.contains(&fd));
        controls
    }

    /// Check the outcome: slots hold their sources, not close-on-exec; controls hold their
    /// files above the table; nothing else is open.
    fn check(sources: &[RawFd], controls: &[RawFd], extra: &[RawFd], cloexec_extra: bool) {
        let mut model = Model(BTreeMap::new());
        // File identity = the descriptor's original number (+1 so 0 is not special).
        for &fd in sources.iter().chain(controls) {
            model.0.insert(fd, (fd as u32 + 1, false));
        }
        for &fd in extra {
            model.0.entry(fd).or_insert((fd as u32 + 1, cloexec_extra));
        }
        let plan = plan(sources, controls).unwrap();
        let final_controls = run(&plan, &mut model);
        for (slot, &src) in sources.iter().enumerate() {
            assert_eq!(
                model.0.get(&(slot as RawFd)),
                Some(&(src as u32 + 1, false)),
                "slot {slot} (plan {plan:?})"
            );
        }
        for (i, &c) in controls.iter().enumerate() {
            let at = final_controls[i];
            assert!(at >= sources.len() as RawFd, "control {c} left at {at}");
            assert_eq!(model.0.get(&at).map(|e| e.0), Some(c as u32 + 1));
        }
        let expected = sources.len() + {
            let mut c = final_controls.clone();
            c.sort();
            c.dedup();
            c.len()
        };
        assert_eq!(model.0.len(), expected, "stray descriptors: {model:?}");
    }

    #[test]
    fn identity_needs_no_moves() {
        let p = plan(&[0, 1, 2], &[]).unwrap();
        assert_eq!(
            p.ops,
            vec![Op::KeepInPlace(0), Op::KeepInPlace(1), Op::KeepInPlace(2)]
        );
    }

    #[test]
    fn stdout_only_lands_at_zero() {
        let p = plan(&[1], &[]).unwrap();
        assert_eq!(p.ops, vec![Op::Place { reg: 0, slot: 0 }]);
        check(&[1], &[], &[0, 2], false);
    }

    #[test]
    fn swap_and_cycle() {
        check(&[1, 0], &[], &[], false);
        check(&[2, 0, 1], &[], &[], false);
        check(&[1, 2, 3, 0], &[5], &[4], true);
    }

    #[test]
    fn duplicates_and_controls_inside_range() {
        check(&[1, 1, 1], &[0], &[2], false);
        check(&[3, 3], &[1, 0], &[], false);
        // A control that is also a source.
        check(&[0, 1], &[1], &[], false);
    }

    #[test]
    fn sparse_high_numbers() {
        check(&[5000, 1025, 2], &[7000, 1], &[0, 3, 4096], false);
    }

    #[test]
    fn a_shift_needs_no_extra_descriptor() {
        // Inherited 3..N+3 → 0..N: a chain, not a cycle.
        let sources: Vec<RawFd> = (3..1003).collect();
        let p = plan(&sources, &[]).unwrap();
        assert!(
            !p.ops.iter().any(|op| matches!(op, Op::Lift(_))),
            "{:?}",
            &p.ops[..5]
        );
        check(&sources, &[], &[], false);
    }

    #[test]
    fn a_swap_lifts_exactly_one() {
        let p = plan(&[1, 0], &[]).unwrap();
        let lifts = p.ops.iter().filter(|op| matches!(op, Op::Lift(_))).count();
        assert_eq!(lifts, 1, "{p:?}");
    }

    #[test]
    fn a_reversal_lifts_one_per_cycle() {
        // 0..1000 reversed is 500 two-cycles (the middle has none).
        let sources: Vec<RawFd> = (0..1000).rev().collect();
        let p = plan(&sources, &[1000]).unwrap();
        let lifts = p.ops.iter().filter(|op| matches!(op, Op::Lift(_))).count();
        assert_eq!(lifts, 500);
        check(&sources, &[1000], &[], false);
    }

    #[test]
    fn rejects_negative() {
        assert_eq!(plan(&[-1], &[]), Err(FdPlanError::Negative(-1)));
        assert_eq!(plan(&[0], &[-3]), Err(FdPlanError::Negative(-3)));
    }

    fn fd() -> impl Strategy<Value = RawFd> {
        prop_oneof![0..12, 1000..1100, Just(65_535)]
    }

    proptest! {
        #[test]
        fn any_layout_is_reached(
            sources in prop::collection::vec(fd(), 0..24),
            controls in prop::collection::vec(fd(), 0..4),
            extra in prop::collection::vec(fd(), 0..16),
            cloexec_extra: bool,
        ) {
            check(&sources, &controls, &extra, cloexec_extra);
        }

        #[test]
        fn permutations_are_reached(perm in Just((0..16).collect::<Vec<RawFd>>()).prop_shuffle()) {
            check(&perm, &[16, 3], &[], false);
        }
    }
}
