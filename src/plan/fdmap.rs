//! The descriptor rearrangement, planned as a pure function over integers.
//!
//! Input: the descriptor table (`sources[i]` must end up duplicated at slot `i`) and the
//! *control* descriptors caprun itself needs until `execveat` (the program descriptor, a
//! saved copy of stderr). Output: a short list of operations on "registers" (the distinct
//! descriptors involved) that [`crate::exec`] replays with raw syscalls:
//!
//! 1. every register sitting inside the target range `0..n` that would be overwritten (or
//!    that is a control) is *lifted* above the range with `F_DUPFD_CLOEXEC`;
//! 2. each slot is filled with `dup2` (which clears close-on-exec), or, when its source
//!    already sits at that slot, its close-on-exec flag is cleared;
//! 3. everything at or above `n` except the controls is closed.
//!
//! Lifting first breaks every cycle and permutation without a special case (the approach
//! of the `command-fds` crate). Where `F_DUPFD_CLOEXEC` lands depends on which descriptors
//! happen to be open, so lifted registers are updated at run time rather than predicted.

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

/// Plan moving `sources[i]` to slot `i` for every `i`, keeping `controls` open above the
/// table. Sources may repeat; controls may coincide with sources.
pub fn plan(sources: &[RawFd], controls: &[RawFd]) -> Result<FdPlan, FdPlanError> {
    if let Some(&bad) = sources.iter().chain(controls).find(|&&fd| fd < 0) {
        return Err(FdPlanError::Negative(bad));
    }
    let slots = RawFd::try_from(sources.len()).map_err(|_| FdPlanError::TooMany(sources.len()))?;
    let mut regs: Vec<RawFd> = Vec::new();
    let reg_of = |fd: RawFd, regs: &mut Vec<RawFd>| match regs.iter().position(|&r| r == fd) {
        Some(i) => i,
        None => {
            regs.push(fd);
            regs.len() - 1
        }
    };
    let source_regs: Vec<usize> = sources.iter().map(|&fd| reg_of(fd, &mut regs)).collect();
    let control_regs: Vec<usize> = controls.iter().map(|&fd| reg_of(fd, &mut regs)).collect();

    let mut ops = Vec::new();
    for (reg, &fd) in regs.iter().enumerate() {
        if fd >= slots {
            continue;
        }
        // A descriptor inside the range survives only if it is its own slot's source and
        // not a control (controls must end above the table).
        let stays = sources[fd as usize] == fd && !control_regs.contains(&reg);
        if !stays {
            ops.push(Op::Lift(reg));
        }
    }
    for (slot, &reg) in source_regs.iter().enumerate() {
        let slot = slot as RawFd;
        if regs[reg] == slot && !ops.contains(&Op::Lift(reg)) {
            ops.push(Op::KeepInPlace(slot));
        } else {
            ops.push(Op::Place { reg, slot });
        }
    }
    Ok(FdPlan {
        regs,
        control_regs,
        ops,
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
