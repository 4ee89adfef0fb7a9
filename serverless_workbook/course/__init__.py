"""The course machinery: how labs are written, released, checked, graded and run.

    lab_format       the cell metadata and markers a lab source uses (exercise, check, points, stubs)
    labgen           solutions/ -> labs/: answers replaced by stubs, outputs cleared
    grading          the kernel-side checks (exercise(...)) and the grading command
    judgement        the judgement exercises' options and reasons
    diagram_reader   a drawn diagram read back as nodes and edges, for checks of what a learner drew
    lab_probes       what checks use to watch how an answer got there (HTTP log, presigned URLs)
    warm_lab         one warm kernel per lab that tries other answers before each check (invert, mutants)
    notebook_runner  execute notebooks in place in the pinned environment (make execute)
    scratch_folder   a private stand-in for a notebook's folder, so runs never write into the real one
    trust            trust the committed notebooks git's HEAD holds
    restart_hints    the kernel extension that says what to run first after a restart

May import: models and common (below it); never workspaces or cloud.
"""
