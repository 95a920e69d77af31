"""Every attack a student could try scores no more than its honest score, with a complete
report; honest work is never penalised for where it runs or how it is written."""

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from cnnzoo.grading import course, engine

ROOT = Path(__file__).resolve().parents[2]

# ---------------------------------------------------------------------- attacks

WAITS_OUT_ITS_DEADLINE = {"close the pipe and sleep", "colliding dict keys"}  # costs the whole timeout: the slow tier

NO_ANSWER_ATTACKS = {
    "patch the grader": "import cnnzoo.grading.questions as q\nq.same = lambda *a, **k: True\n",
    "library answers": "from cnnzoo.arithmetic import conv_output_size\n"
                       "def valid_output(n, f):\n    return conv_output_size(n, f)\n",
    "library through sys.path": "import sys, glob\nsys.path[:0] = glob.glob('/work/*') + glob.glob('/usr/**/site-packages', recursive=True)\n"
                                "import cnnzoo.arithmetic as ar\ndef valid_output(n, f):\n    return ar.conv_output_size(n, f)\n",
    "read the solutions": "import glob\nfor p in glob.glob('/**/solutions/output_size.py', recursive=True):\n"
                          "    exec(open(p).read())\n",
    "read the library source": "import importlib.util, os\nimport numpy\n"
                               "root = os.path.dirname(os.path.dirname(numpy.__file__))\n"
                               "exec(open(os.path.join(root, 'cnnzoo', 'arithmetic.py')).read())\n",
    "frame walk": "import sys\ndef valid_output(n, f):\n    fr = sys._getframe()\n    while fr:\n"
                  "        if 'expected' in fr.f_locals: return fr.f_locals['expected']\n        fr = fr.f_back\n    return -1\n",
    "always equal": "class Yes:\n    def __eq__(self, other): return True\n    __hash__ = object.__hash__\n"
                    "def valid_output(n, f): return Yes()\ndef strided_output(n, f, p, s): return Yes()\n",
    "int subclass": "class Int(int):\n    def __eq__(self, other): return True\n"
                    "def valid_output(n, f): return Int(1)\n",
    "mock": "from unittest import mock\ndef valid_output(n, f): return mock.MagicMock()\n",
    "sys.exit at import": "import sys\nsys.exit(0)\n",
    "os._exit at import": "import os\nos._exit(0)\n",
    "keyboard interrupt": "def valid_output(n, f): raise KeyboardInterrupt\n",
    "kill the grader": "import os, signal\ndef valid_output(n, f):\n    os.kill(os.getppid(), signal.SIGKILL)\n",
    "kill the group": "import os, signal\ndef valid_output(n, f):\n    os.killpg(0, signal.SIGKILL)\n",
    "spawn": "import subprocess\ndef valid_output(n, f):\n    subprocess.Popen(['sleep', '100'])\n",
    "fork": "import os\ndef valid_output(n, f):\n    os.fork()\n",
    "gc walk": "import gc\ndef valid_output(n, f):\n    return len(gc.get_objects())\n",
    "ctypes": "import ctypes\ndef valid_output(n, f):\n    return ctypes.CDLL(None).getppid()\n",
    "parent's command line": "import os\ndef valid_output(n, f):\n"
                             "    return open(f'/proc/{os.getppid()}/cmdline').read()\n",
    "memory hog": "def valid_output(n, f):\n    return len(bytearray(8 << 30))\n",
    "segfault": "import ctypes\nctypes.string_at(0)\n",
    # found by a red-team review: each once scored full marks, hung or killed the grader
    "read through dir_fd": "import os\nroot = os.open('/', os.O_RDONLY)\nfor p in ('work/main/solutions/output_size.py',):\n"
                           "    fd = os.open(p, os.O_RDONLY, dir_fd=root)\n    exec(os.read(fd, 1 << 20).decode())\n",
    "patched os.fsdecode": "import os, glob\nos.fsdecode = lambda p: '/tmp/harmless'\n"
                           "for p in glob.glob('/work/*/solutions/output_size.py'):\n    exec(open(p).read())\n",
    "patched os.sep": "import os, glob\npaths = glob.glob('/work/*/solutions/output_size.py')\nos.sep = '\\0'\n"
                      "for p in paths:\n    exec(open(p).read())\n",
    "fork_exec": "import _posixsubprocess, os\nr, w = os.pipe()\n_posixsubprocess.fork_exec([b'/bin/sh', b'-c', b'true'], "
                 "[b'/bin/sh'], True, (w,), None, None, -1, -1, -1, -1, -1, -1, r, w, True, True, -1, None, None, "
                 "None, -1, None, False)\n",
    "pidfd kill": "import os, signal\ndef valid_output(n, f):\n"
                  "    signal.pidfd_send_signal(os.pidfd_open(os.getppid()), signal.SIGKILL)\n",
    "close the pipe and sleep": "import os, sys, time\ndef valid_output(n, f):\n    os.close(int(sys.argv[2]))\n"
                                "    while True:\n        time.sleep(1)\n",
    "credit by message": "class missing(Exception):\n    pass\ndef __getattr__(name):\n    def answer(*args):\n"
                         "        raise missing('counted as right')\n    return answer\n",
    "forged reply": "import os, sys\ndef valid_output(n, f):\n    os.write(int(sys.argv[2]), b'{\"op\": \"ready\"}\\n')\n"
                    "    return 0\n",
    "ctypes memory": "import ctypes\ndef valid_output(n, f):\n    return ctypes.c_char.from_address(id(n)).value\n",
    "exec another program": "import os\ndef valid_output(n, f):\n    os.execv('/bin/sh', ['sh'])\n",
    # found by a second review
    "grader's environment": "import os\ndef valid_output(n, f):\n    d = os.open('/proc', os.O_RDONLY)\n"
                            "    fd = os.open(f'{os.getppid()}/environ', os.O_RDONLY, dir_fd=d)\n"
                            "    return len(os.read(fd, 1 << 16))\n",
    "shrunk command pipe": "import fcntl, json, os, sys, time\nfcntl.fcntl(int(sys.argv[1]), 1031, 4096)\n"
                           "line = json.dumps({'op': 'value', 'value': {'t': 'int', 'v': 0}}) + '\\n'\n"
                           "os.write(int(sys.argv[2]), (json.dumps({'op': 'imported'}) + '\\n' + line * 500).encode())\n"
                           "time.sleep(1000)\n",
    "colliding dict keys": "import os, sys, time\nM = (1 << 61) - 1\ndef valid_output(n, f):\n"
                           "    items = ','.join('[{\"t\":\"int\",\"v\":%d},{\"t\":\"int\",\"v\":0}]' % (i * M) for i in range(1, 20001))\n"
                           "    os.write(int(sys.argv[2]), ('{\"op\":\"value\",\"value\":{\"t\":\"dict\",\"v\":[' + items + ']}}\\n').encode())\n"
                           "    time.sleep(100)\n",
    "socket": "import socket\ndef valid_output(n, f):\n    socket.socket(socket.AF_UNIX).connect('/var/run/docker.sock')\n",
    # found by a fourth review
    "a device in its own folder": "import os, stat\ndef valid_output(n, f):\n"
                                  "    os.mknod('kmsg', 0o600 | stat.S_IFCHR, os.makedev(1, 11))\n"
                                  "    return len(os.read(os.open('kmsg', os.O_RDONLY | os.O_NONBLOCK), 100))\n",
    "graph that orders slowly": "import json\nN = 17000\nnodes = [[['a', i + 1, 0]] for i in range(N - 1)] + [[['in', 0, 0]]]\n"
                                "CFG = json.dumps({'class_name': 'Functional', 'config': {'name': 'm', 'layers': [\n"
                                "  {'class_name': 'InputLayer', 'name': 'in', 'config': {'name': 'in', 'batch_shape': [None, 4]}, 'inbound_nodes': []},\n"
                                "  {'class_name': 'ReLU', 'name': 'a', 'config': {'name': 'a'}, 'inbound_nodes': nodes}],\n"
                                "  'input_layers': [['in', 0, 0]], 'output_layers': [['a', 0, 0]]}})\n",
}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in WAITS_OUT_ITS_DEADLINE else n
                                  for n in sorted(NO_ANSWER_ATTACKS)])
def test_attacks_without_answers_score_zero(name, suites, grade):
    score, total, results = grade("output_size", NO_ANSWER_ATTACKS[name], timeout=2.0)
    assert score == 0, (name, [r.hints for r in results])
    assert len(results) == len(suites["output_size"].questions)


def test_student_code_is_confined_by_the_kernel_where_it_can_be():
    from cnnzoo.grading.runner import StudentProcess

    probe = "import os\ndef read(p):\n    return open(p).read()[:10]\ndef write(p):\n    open(p, 'w').write('x')\n"
    with StudentProcess("probe", probe, timeout=5) as child:
        assert child.call("read", "/etc/hostname").status == "value"  # system files stay readable
        denied = child.call("read", str(ROOT / "solutions" / "output_size.py"))
        assert denied.status == "error" and "PermissionError" in denied.message
        assert child.call("write", "/tmp/cnnzoo-should-not-exist").status == "error"
        sandbox = child.sandbox
    assert not Path("/tmp/cnnzoo-should-not-exist").exists()
    if Path("/sys/kernel/security").exists() and sys.platform == "linux" and "no Landlock" not in sandbox:
        assert "Landlock" in sandbox
    assert sandbox  # always reported, in the report's output too


SANDBOX = r"""
import json, os, signal, socket, sys, threading
sys.path.insert(0, sys.argv[3])
from cnnzoo.grading import sandbox  # the child's own confinement, without its audit hook
os.mkdir(os.path.join(sys.argv[1], "work"))
print(sandbox.confine(sys.argv[1], os.path.join(sys.argv[1], "work"), json.loads(sys.argv[2])), flush=True)
def attempt(name, fn):
    try:
        fn()
        print(name, "ALLOWED", flush=True)
    except OSError:
        print(name, "refused", flush=True)
attempt("read solutions", lambda: open(os.path.join(sys.argv[3], "solutions", "output_size.py")).read())
attempt("read the parent's environ", lambda: open(f"/proc/{os.getppid()}/environ").read())
attempt("write outside", lambda: open("/tmp/cnnzoo-sandbox-escape", "w"))
attempt("fork", os.fork)
attempt("socket", lambda: socket.socket(socket.AF_UNIX))
attempt("signal the parent", lambda: os.kill(os.getppid(), 0))
attempt("exec", lambda: os.execv("/bin/true", ["true"]))
attempt("make a device", lambda: os.mknod(os.path.join(sys.argv[1], "tty"), 0o600 | 0o020000, os.makedev(4, 1)))
attempt("real-time priority", lambda: os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1)))
t = threading.Thread(target=lambda: None); t.start(); t.join()
os.kill(os.getpid(), 0)
open(os.path.join(sys.argv[1], "work", "own.txt"), "w").write("ok")
attempt("write the module folder", lambda: open(os.path.join(sys.argv[1], "mine.py"), "w"))
print("threads, own signals and own folder work", flush=True)
"""


def test_kernel_sandbox_holds_without_the_audit_hook(tmp_path):
    from cnnzoo.grading.roots import read_roots

    if sys.platform != "linux":
        pytest.skip("Landlock and seccomp are Linux's")
    roots = read_roots([str(ROOT)], [str(ROOT / "solutions")])
    run = subprocess.run([sys.executable, "-I", "-c", SANDBOX, str(tmp_path), json.dumps(roots), str(ROOT)],
                         capture_output=True, text=True, timeout=60, cwd=tmp_path)
    lines = run.stdout.splitlines()
    assert run.returncode == 0, run.stderr[-2000:]
    if "no Landlock" in lines[0] or "no seccomp" in lines[0]:
        pytest.skip(f"this kernel lacks a layer: {lines[0]}")
    assert [line for line in lines[1:] if "ALLOWED" in line] == [], lines
    assert lines[-1] == "threads, own signals and own folder work"


@pytest.mark.slow
def test_grading_with_cnnzoo_installed_as_a_package(tmp_path, solution):
    # site-packages is readable by the child; the cnnzoo package inside it is not
    site = tmp_path / "site"
    shutil.copytree(ROOT / "cnnzoo", site / "cnnzoo", ignore=shutil.ignore_patterns("__pycache__"))
    steal = ("import os, numpy\nfd = os.open('" + str(site) + "', os.O_RDONLY)\n"
             "src = os.read(os.open('cnnzoo/arithmetic/sizes.py', os.O_RDONLY, dir_fd=fd), 1 << 20)\n")
    code = ("import sys; sys.path.insert(0, sys.argv[1])\nimport cnnzoo\nassert cnnzoo.__file__.startswith(sys.argv[1])\n"
            "from cnnzoo.grading import engine\nsuite = [s for s in engine.load_suites(sys.argv[2]) if s.module == 'output_size'][0]\n"
            "for src in (sys.argv[3], sys.argv[4]):\n"
            "    r = engine.grade_module(suite, src, seed=1, timeout=5)\n    print(sum(x.score for x in r))\n")
    run = subprocess.run([sys.executable, "-c", code, str(site), str(ROOT / "exercises"), steal,
                          solution("output_size")], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["0.0", "10.0"]


def test_shared_ids_and_odd_names_never_overwrite_a_grade(tmp_path, solution):
    import csv

    subs = tmp_path / "subs"
    shutil.copytree(ROOT / "solutions", subs / "alice")
    with zipfile.ZipFile(subs / "alice.zip", "w") as zf:
        zf.writestr("output_size.py", "def valid_output(n, f):\n    return 0\n")
    with zipfile.ZipFile(subs / "grades.csv.zip", "w") as zf:
        zf.writestr("output_size.py", solution("output_size"))
    questions = tmp_path / "questions"
    questions.mkdir()
    shutil.copy(ROOT / "exercises" / "test_output_size.py", questions)
    path = course.grade_class(subs, tmp_path / "out", questions=questions, progress=False)
    rows = {r["student"]: r for r in csv.DictReader(path.open())}
    # a crafted name never costs the student it collides with: both are graded apart, and flagged
    alice = [r for name, r in rows.items() if name.startswith("alice~")]
    assert "alice" not in rows and sorted(float(r["score"]) for r in alice) == [0, 10]
    assert all("share the id alice" in r["problem"] for r in alice)
    assert float(rows["grades.csv"]["score"]) == 10 and path.is_file()


def test_honest_answers_in_ordinary_python_are_not_penalised(grade, solution):
    header = ("import subprocess, asyncio, unittest.mock, cProfile, collections, tempfile\n"  # imports a student leaves
              "cProfile.run('sum(range(10))')\nopen('scratch.txt', 'w').write('notes')\n")
    score, total, results = grade("output_size", header + solution("output_size"))
    assert score == total, [r.hints for r in results]
    shape = ("import collections\nShape = collections.namedtuple('Shape', 'h w c')\n_v = vgg16_feature_shape\n"
             "def vgg16_feature_shape(n):\n    return Shape(*_v(n))\n")
    score, total, results = grade("store_activations", solution("store_activations") + shape)
    assert score == total, [r.hints for r in results]
    ordered = ("import collections\n_l = lenet5_answers\ndef lenet5_answers(*a):\n    out = _l(*a)\n"
               "    return collections.OrderedDict(out, params=collections.defaultdict(int, out['params']))\n")
    score, total, results = grade("parameters", solution("parameters") + ordered)
    assert score == total, [r.hints for r in results]


@pytest.mark.slow
def test_machine_secrets_and_the_graders_folders_stay_unreadable(tmp_path):
    course_dir = tmp_path / "course"
    shutil.copytree(ROOT / "solutions", course_dir / "solutions")
    shutil.copytree(ROOT / "exercises", course_dir / "exercises")
    (course_dir / "subs" / "mallory").mkdir(parents=True)
    (course_dir / "subs" / "mallory" / "output_size.py").write_text(
        "import os\ndef valid_output(n, f):\n    seen = []\n"
        "    for p in ('/etc/shadow', '/dev/kmsg', '../../solutions/output_size.py', '"
        + str(course_dir / "solutions" / "output_size.py") + "', '" + str(course_dir / "grade.py") + "'):\n"
        "        try:\n            open(p, 'rb').read(1)\n            seen.append(p)\n        except OSError:\n            pass\n"
        "    print('READ', seen)\n    return 0\n")
    (course_dir / "grade.py").write_text(  # an instructor's script: its folder is sys.path[0]
        "from cnnzoo.grading import course\n"
        "course.grade_class('subs', 'out', questions='exercises', hidden='solutions/hidden', progress=False)\n")
    run = subprocess.run([sys.executable, "grade.py"], cwd=course_dir, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    report = (course_dir / "out" / "students" / "mallory" / "results.json").read_text()
    assert "READ []" in report, report[-2000:]


def test_a_huge_model_config_is_refused_before_it_is_read():
    layers = [{"class_name": "InputLayer", "name": "l0", "config": {"name": "l0", "batch_shape": [None, 4]},
               "inbound_nodes": []}]
    layers += [{"class_name": "ReLU", "name": f"l{i}", "config": {"name": f"l{i}"},
                "inbound_nodes": [[[f"l{i - 1}", 0, 0]]]} for i in range(1, 3000)]
    config = json.dumps({"class_name": "Functional", "config": {"name": "big", "layers": layers[::-1],
                         "input_layers": [["l0", 0, 0]], "output_layers": [["l2999", 0, 0]]}})
    from cnnzoo.grading.hints import model_hint

    assert "far larger" in model_hint(config, "lenet5")


def test_slowly_ordered_graph_is_refused_quickly():
    import cnnzoo

    exec(NO_ANSWER_ATTACKS["graph that orders slowly"], scope := {})
    compact = json.dumps(json.loads(scope["CFG"]), separators=(",", ":"))  # under the size cap
    with pytest.raises(ValueError, match="too large to walk"):
        cnnzoo.summarize(compact)


def test_student_text_cannot_forge_the_table_or_a_spreadsheet_formula(tmp_path, grade):
    import csv

    from cnnzoo.grading import report

    fake = "\\r\\x1b[2K\\x1b[1A\\noutput_size   10/10  ok\\nTOTAL   10/10\\x1b[8m"
    source = "def __getattr__(name):\n    def answer(*args):\n        raise ValueError('" + fake + "')\n    return answer\n"
    score, _, results = grade("output_size", source)
    text = report.table(results)
    assert score == 0 and "\x1b" not in text and "\r" not in text and sum(line.startswith("TOTAL") for line in text.splitlines()) == 1
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "=SUM(1+1)*cmd|' -c calc'!A1.zip").write_bytes(b"not a zip")
    questions = tmp_path / "q"
    questions.mkdir()
    shutil.copy(ROOT / "exercises" / "test_output_size.py", questions)
    path = course.grade_class(subs, tmp_path / "out", questions=questions, progress=False)
    for row in csv.reader(path.open()):
        assert not any(cell[:1] in "=+-@" and cell for cell in row), row


def test_honest_work_is_not_penalised_by_where_things_are(tmp_path, run_pytest):
    # the report in a folder that holds the temporary folders; a module importing the student's other one
    folder = tmp_path / "work"
    shutil.copytree(ROOT / "solutions", folder)
    text = (folder / "pooling.py").read_text()
    (folder / "pooling.py").write_text("import numpy.testing  # left over from a notebook\n"
                                       "import matplotlib.pyplot as plt\nfrom output_size import strided_output\n" + text)
    report_path = Path("/tmp") / f"cnnzoo-report-{tmp_path.name}.json"
    try:
        run_pytest("exercises/test_pooling.py", "exercises/test_output_size.py", "--grade-against", str(folder),
                   "--grade-json", str(report_path))
        data = json.loads(report_path.read_text())
        assert data["score"] == data["max_score"], [t["output"] for t in data["tests"] if t["score"] < t["max_score"]]
    finally:
        report_path.unlink(missing_ok=True)


def test_a_blocked_folder_that_holds_the_libraries_does_not_block_them():
    from cnnzoo.grading.runner import StudentProcess

    # e.g. a report written to /tmp by a grader whose venv is in /tmp (a fresh clone in CI)
    around = str(Path(sys.prefix).resolve().parent)
    source = "import numpy\ndef f():\n    import matplotlib  # read from site-packages after the hook is on\n    return 3\n"
    with StudentProcess("m", source, blocked=(around,)) as child:
        assert child.call("f").value == 3


def test_a_resubmission_gets_new_cases():
    assert course.student_seed("s", "ada", {"m": "a"}) == course.student_seed("s", "ada", {"m": "a"})
    assert course.student_seed("s", "ada", {"m": "a"}) != course.student_seed("s", "ada", {"m": "b"})


def test_printed_output_reaches_the_feedback_without_flush(grade, solution):
    source = solution("output_size").replace("    return n - f + 1\n", "    print('thinking about', n, f)\n    return n - f + 1\n")
    _, _, results = grade("output_size", source)
    assert "thinking about" in results[0].output


@pytest.mark.parametrize("kind", ["encrypted", "corrupt deflate", "unknown method"])
def test_broken_zips_are_reported_not_fatal(tmp_path, kind, solution):
    import io
    import struct

    subs = tmp_path / "subs"
    subs.mkdir()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED if kind == "corrupt deflate" else zipfile.ZIP_STORED) as zf:
        zf.writestr("output_size.py", solution("output_size") * (10 if kind == "corrupt deflate" else 1))
    data = bytearray(buf.getvalue())
    local, central = data.find(b"PK\x03\x04"), data.find(b"PK\x01\x02")
    if kind == "encrypted":
        data[local + 6] |= 1
        data[central + 8] |= 1
    elif kind == "unknown method":
        data[local + 8:local + 10] = data[central + 10:central + 12] = struct.pack("<H", 99)
    else:
        start = local + 30 + sum(struct.unpack("<HH", data[local + 26:local + 30]))
        data[start:start + 2] = b"\xff\xff"
    (subs / "mallory.zip").write_bytes(bytes(data))
    shutil.copytree(ROOT / "solutions", subs / "alice")
    questions = tmp_path / "questions"
    questions.mkdir()
    shutil.copy(ROOT / "exercises" / "test_output_size.py", questions)
    import csv

    path = course.grade_class(subs, tmp_path / "out", questions=questions, progress=False)
    rows = {r["student"]: r for r in csv.DictReader(path.open())}
    said = "compressed with method 99" if kind == "unknown method" else "not a readable zip file"
    assert float(rows["mallory"]["score"]) == 0 and said in rows["mallory"]["problem"]
    assert float(rows["alice"]["score"]) == float(rows["alice"]["max_score"]) == 10


@pytest.mark.slow
def test_a_forged_model_config_cannot_stall_the_grader(grade):
    nested = {"class_name": "Sequential", "config": {"name": "m0", "layers": [
        {"class_name": "Activation", "config": {"name": "act", "activation": "relu"}}]}}
    for depth in range(1, 13):  # each level calls the one inside it ten times: 10**12 calls unbounded
        nodes = [[["in", 0, 0]]] + [[["inner", i, 0]] for i in range(9)]
        nested = {"class_name": "Functional", "config": {
            "name": f"m{depth}", "input_layers": [["in", 0, 0]], "output_layers": [["inner", 9, 0]],
            "layers": [{"class_name": "InputLayer", "name": "in", "config": {"name": "in", "batch_shape": [None, 4]},
                        "inbound_nodes": []}, {**nested, "name": "inner", "inbound_nodes": nodes}]}}
    source = ("import json, os, sys\nCFG = " + repr(json.dumps(nested)) + "\n"
              "def build_lenet5(input_shape=(32, 32, 1), num_classes=10):\n"
              "    line = json.dumps({'op': 'value', 'value': {'t': 'keras_model', 'config': CFG, 'weights': []}})\n"
              "    os.write(int(sys.argv[2]), (line + '\\n').encode())\n    import time; time.sleep(60)\n")
    score, _, results = grade("keras_lenet", source, timeout=30)
    assert score == 0 and "too large to walk" in results[0].hints[0]


@pytest.mark.slow
def test_hanging_code_everywhere_grades_in_functions_times_limit(suites, grade):
    source = "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nimport threading\n" \
             "threading.Thread(target=lambda: [0 for _ in iter(int, 1)], daemon=True).start()\n" + "\n".join(
                 f"def {q.function}(*a):\n    while True:\n        pass\n" for q in suites["output_size"].questions)
    score, _, results = grade("output_size", source, timeout=0.5)
    assert score == 0
    # each function is called once: its first case times out, the others are not run
    for function in {q.function for q in suites["output_size"].questions}:
        hints = [h for r, q in zip(results, suites["output_size"].questions) if q.function == function for h in r.hints]
        assert sum("ran longer than" in h or "more than 0.5 s of CPU" in h for h in hints) == 1, hints
        assert sum("timed out on an earlier case" in h for h in hints) == len(hints) - 1


@pytest.mark.slow
def test_c_level_loop_and_import_loop_are_killed(grade):
    regex = "import re\ndef valid_output(n, f):\n    return re.match('(a*)*b', 'a' * 40)\n"
    assert grade("output_size", regex, timeout=1.0)[0] == 0
    score, _, results = grade("output_size", "while True:\n    pass\n", timeout=1.0)
    assert score == 0  # the import is tried once; every case reports it
    hints = [h for r in results for h in r.hints]
    assert all("took longer than 1 s" in h or "timed out on an earlier case" in h for h in hints), hints


def test_one_crashing_case_costs_only_that_case(suites, grade, solution):
    text = solution("receptive_field").replace(
        "    r, jump = 1, 1\n", "    if len(layers) == 2:\n        import os; os._exit(1)\n"
        "    if len(layers) == 3:\n        print('x' * 5_000_000)\n    r, jump = 1, 1\n")
    score, total, results = grade("receptive_field", text)
    assert 0 < score < total or score == total  # the lecture case (two layers) crashes; the rest count
    assert len(results[0].output) <= 2100
    if any(len(args) == 2 for args, _ in suites["receptive_field"].questions[0].plan(__import__("random").Random(0))):
        assert any("ended the Python process" in h for h in results[0].hints)


@pytest.mark.slow
def test_atexit_and_fake_report_cannot_change_the_grade(tmp_path, run_pytest):
    folder = tmp_path / "sub"
    shutil.copytree(ROOT / "exercises", folder)
    report = tmp_path / "results.json"
    (folder / "output_size.py").write_text(
        "import atexit, json, os\n"
        f"FAKE = {{'score': 999, 'max_score': 999, 'tests': []}}\n"
        f"def write():\n    open({str(report)!r}, 'w').write(json.dumps(FAKE))\n"
        "atexit.register(write)\n"
        "try:\n    write()\nexcept Exception:\n    pass\n")
    (folder / "conftest.py").write_text("import json\n")  # ignored: the test modules are the instructor's
    run = run_pytest("exercises", "--grade-against", str(folder), "--grade-json", str(report))
    data = json.loads(report.read_text())
    assert data["score"] == 0 and data["max_score"] > 50, run.stdout[-2000:]


def test_one_module_exiting_leaves_the_others_graded(suites, solution):
    sources = {m: solution(m) for m in ("output_size", "pooling")}
    sources["output_size"] = "import sys\nsys.exit(3)\n" + sources["output_size"]
    results = engine.grade_submission([suites["output_size"], suites["pooling"]], sources, seed=1, timeout=2)
    got = engine.summary(results)["modules"]
    assert got["output_size"][0] == 0 and got["pooling"][0] == got["pooling"][1]

