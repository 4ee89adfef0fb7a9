"""The course machinery: how labs are written, released, checked, graded and run.

    lab_format       the cell metadata and markers a lab source uses (exercise, check, points, stubs)
    labgen           solutions/ -> labs/: answers replaced by stubs, outputs cleared
    course_map       course.toml -> the start page's course map (make course-map)
    book             the course as a static website from the committed notebooks (make book)
    checks           what check cells run in the learner's kernel: exercise(...), its expectations, its verdicts
    grading          the grading command: answers spliced into the released lab, run, marked from the verdicts
    submission_rules what the grader refuses in answer cells before any runs (shortcuts, reaching into the grading)
    submissions      a class's submissions found in a folder (per learner, GitHub Classroom, nbgrader)
    sandbox          the process one submission is graded in: read-only, offline but the loopback, memory limited
    gradebook        grade a class: each submission sandboxed, in parallel, within time limits
    class_reports    what grading a class writes: gradebook, Canvas import, feedback, JUnit
    classroom        GitHub Classroom: the workflow that grades a learner's repository, and the commands it runs
    judgement        the judgement exercises' options and reasons
    diagram_reader   a drawn diagram read back as nodes and edges, for checks of what a learner drew
    lab_probes       what checks use to watch how an answer got there (HTTP log, presigned URLs)
    warm_lab         one warm kernel per lab that tries other answers before each check (invert, mutants)
    notebook_runner  the one way to run a notebook (make execute, grading, warm labs), in a stand-in folder
    trust            trust the committed notebooks git's HEAD holds
    restart_hints    the kernel extension that says what to run first after a restart

May import: models and common (below it); never workspaces or cloud.
"""
# The modules other packages, notebooks and commands may use.
__all__ = [
    "book", "checks", "class_reports", "classroom", "course_map", "diagram_reader", "gradebook", "grading", "judgement",
    "lab_format", "lab_probes", "labgen", "notebook_runner", "restart_hints", "sandbox", "submission_rules",
    "submissions", "trust", "warm_lab",
]

