"""Expert assignment for the review rounds: optimal, conflict-free, balanced, fair or seeded-random.

A pure library (numpy, OR-Tools); the web app translates its rows into a :class:`Problem` and calls::

    problem = build_problem(applications, experts, affinity=None, conflicts=None)  # or load_instance(dir)
    result = solve(problem, Options(k=5, max_load=8, seed=20260615))  # raises Infeasible(diagnosis)
    violations = check(problem, result.pairs, options)                 # [] when valid
    diagnosis = diagnose(problem, options)                              # Hall-type counts, zh + en
    new = replace(problem, result.pairs, app_id, expert_id, options, rng)  # a recusal
    affinities = pair_affinities(problem, result.pairs)                # each pair's affinity in [0, 1]
    text = text_affinity(app_profiles, expert_profiles, Weights())     # field match blended with texts
    problem = build_problem(applications, experts, affinity=text.table())  # text.shared_terms(app, expert)
    # or affinity=text.positions(app_ids, expert_ids): the same pairs as arrays, no Python object per pair
    panels = solve_panels(problem, groups, PanelOptions(min_size=5, max_size=7, seed=1))  # panel mode
    groups = propose_groups(items, max_apps=8)                          # one field per group, split by text
    files = instance_files(problem)  # the instance as CSV bytes by file name; write_instance(problem, dir)

Affinities are quantised to integers (score × SCALE, SCALE = 10^6) so the flow optimum is exact.
"""

from .affinity import Profile, TextAffinity, Weights, pair_affinities, text_affinity
from .check import check
from .diagnose import diagnose
from .grouping import Item, ProposedGroup, propose_groups
from .io import instance_files, load_instance, pairs_file, read_pairs, write_instance, write_pairs
from .panels import Group, PanelOptions, PanelResult, check_panels, diagnose_panels, replace_member, solve_panels
from .problem import SCALE, Application, Expert, InputError, Options, Problem, build_problem
from .replace import Replacement, replace
from .result import Diagnosis, Infeasible, Reason, Result, Violation
from .solve import solve

__all__ = [
    "SCALE", "Application", "Diagnosis", "Expert", "Group", "Item", "PanelOptions", "PanelResult", "ProposedGroup",
    "check_panels", "diagnose_panels", "propose_groups", "replace_member", "solve_panels",
    "Infeasible", "InputError", "Options", "Problem", "Profile",
    "Reason", "Replacement", "Result", "TextAffinity", "Violation", "Weights", "build_problem", "check",
    "diagnose", "instance_files", "load_instance", "pair_affinities", "pairs_file", "read_pairs", "replace",
    "solve", "text_affinity", "write_instance", "write_pairs",
]
