"""Words for the synthetic trust, built from templates.

Meeting topics, action plans, reflections, feedback, interview snippets and survey
comments. The words paraphrase what the field notes report (Passmores' student pedagogy
team, the Godolphin and Latymer TLCs, a student-led conference pilot, the Demos
co-production pilot); no text is a real person's. Every function takes the
generator it draws from, so the same seed gives the same words.
"""

from __future__ import annotations

import re

import numpy as np

__all__ = [
    "SLC_ROLES",
    "SLC_TOPICS",
    "STRATEGIES",
    "TLC_THEMES",
    "conference_feedback",
    "coproduction_topics",
    "interview_quotes",
    "plan_text",
    "reflection",
    "reflection_sentences",
    "report_text",
    "survey_comment",
    "tlc_topic",
    "true_depth",
]

SLC_ROLES = ("Pedagogy lead", "Department link", "Researcher", "Social media", "Member")

SLC_TOPICS = (
    "Welcome: what is a student learning community?",
    "Bitesize leadership: asking good questions about learning",
    "Choosing departments to work with this year",
    "Planning the learning questionnaire",
    "Co-planning with the Science department",
    "Learning questionnaire: what pupils told us",
    "Preparing our slot in staff CPD",
    "Retrieval practice: does it work for us?",
    "Co-planning with the English department",
    "Writing for the teaching and learning website",
    "Observing lessons: what to look for, and how to give feedback kindly",
    "Dual coding with the Humanities team",
    "Student leadership summit: our vision and mission",
    "Feedback from department links",
    "Talking about learning with Year 7",
    "Review of the year and handover to new members",
)

#: TLC theme -> strategies members try and the new learning brought to meetings.
TLC_THEMES: dict[str, dict[str, tuple[str, ...]]] = {
    "Metacognition": {
        "strategies": ("modelling my thinking aloud", "planning-monitoring-evaluating prompts",
                       "worked examples", "self-explanation", "exam wrappers"),
        "readings": ("EEF guidance report on metacognition and self-regulated learning",
                     "an extract on modelling from a teaching book", "a guest speaker from the "
                     "local research school", "Soderstrom and Bjork on learning versus performance",
                     "pupils' own views from the SLC", "a colleague's enquiry write-up"),
    },
    "Assessment": {
        "strategies": ("whole-class feedback", "hinge questions", "exit tickets",
                       "mini-whiteboards", "success criteria co-written with pupils"),
        "readings": ("Leahy and Wiliam on embedding formative assessment",
                     "'Inside the black box'", "a conference talk on feedback",
                     "the school's marking and feedback policy", "an article on comparative "
                     "judgement", "pupils' own views from the SLC"),
    },
    "Retrieval practice": {
        "strategies": ("retrieval practice", "low-stakes quizzes", "spaced homework",
                       "brain dumps", "interleaving"),
        "readings": ("Dunlosky's 'Strengthening the student toolbox'",
                     "an extract from 'Powerful Teaching'", "Weinstein and colleagues on six "
                     "strategies for effective learning", "a colleague's quiz data",
                     "pupils' own views from the SLC", "a podcast on spacing"),
    },
    "Technology": {
        "strategies": ("visualiser for live modelling", "online quizzing", "shared digital "
                       "workbooks", "recorded feedback", "dual coding"),
        "readings": ("a guest speaker on visualisers", "research on cognitive load and slides",
                     "a case study of online quizzing", "a conference talk on edtech",
                     "pupils' own views from the SLC", "a colleague's demonstration lesson"),
    },
    "Thinking skills": {
        "strategies": ("think-pair-share", "philosophy for children enquiries",
                       "concept cartoons", "questioning ladders", "dual coding"),
        "readings": ("an article on dialogic teaching", "a philosophy for children "
                     "demonstration", "an extract on thinking routines", "a guest speaker from "
                     "a partner school", "pupils' own views from the SLC",
                     "a colleague's enquiry write-up"),
    },
}
STRATEGIES = tuple(sorted({s for t in TLC_THEMES.values() for s in t["strategies"]}))

_CLASSES = ("Year 7", "Year 8", "Year 9", "Year 10", "Year 11", "Year 12", "Year 13")


def tlc_topic(theme: str, k: int) -> str:
    """A TLC meeting's topic: feedback, the new learning, personal action planning."""
    reading = TLC_THEMES[theme]["readings"][k % 6]
    if k == 0:
        return f"Launch: why {theme.lower()}? New learning: {reading}; first action plans"
    return f"Feedback on action plans; new learning: {reading}; action planning"


def plan_text(rng: np.random.Generator, strategy: str, department: str) -> str:
    """What a teacher plans to try before the next meeting."""
    cls = _CLASSES[int(rng.integers(0, 7))]
    subject = department.lower() if department != "Learning Support" else "intervention"
    opener = ("I will try", "I want to use", "I plan to trial", "Going to try")[int(rng.integers(4))]
    aim = ("to see if they remember more of last term's content",
           "to find out who is stuck earlier in the lesson",
           "so that quieter pupils join in more", "to cut down my marking time",
           "so that pupils can explain how they got to an answer",
           "to make the start of lessons calmer and more focused")[int(rng.integers(6))]
    return f"{opener} {strategy} with my {cls} {subject} class {aim}."


def report_text(rng: np.random.Generator, strategy: str, status: str) -> str:
    """What the teacher reported back at the next meeting ("" when nothing was reported)."""
    if status == "Tried it":
        return (f"Used {strategy} every week. "
                + ("Pupils remembered far more at the start of lessons.",
                   "It took longer than planned at first but the class got used to it.",
                   "The quieter pupils answered more than I have ever heard them.",
                   "My marking load went down and the feedback was more useful.",
                   "Some pupils found it hard, so I added sentence starters.")[int(rng.integers(5))])
    if status == "Partly":
        return (f"Tried {strategy} a couple of times. "
                + ("Mock exams got in the way.", "Worked with one class but not another.",
                   "Need to plan it better next half-term.")[int(rng.integers(3))])
    if status == "Not yet":
        return ("No time this half-term with reports and parents' evening."
                if rng.random() < 0.6 else "")
    return ""


_SUBJECT_ACTIVITIES = {
    "maths": ("learned how to add fractions", "did a quiz on angles", "worked on ratio problems"),
    "English": ("read the next chapter of our class novel", "wrote a persuasive letter",
                "practised using speech marks"),
    "science": ("did an experiment with magnets", "learned about cells",
                "made a model of the solar system"),
    "history": ("learned about the Norman conquest", "looked at sources about castles"),
    "geography": ("studied how rivers change the land", "drew a map of our local area"),
    "art": ("practised shading", "started our self-portraits"),
}
_HARD = ("fractions", "the reading questions", "my paragraph", "the experiment write-up",
         "the map key", "shading")
_REASONS = ("I did not understand the first step", "I rushed my working out",
            "I did not check the question properly", "I forgot what we did last week",
            "there were lots of new words")
_WENT_WELL = ("I asked for help when I was stuck", "I practised at home",
              "I used the example on the board", "I checked my answers", "I explained it to "
              "my partner")
_GOALS = (("check my working before I hand it in", "I stop losing easy marks"),
          ("ask a question as soon as I am stuck", "I do not fall behind"),
          ("plan my paragraph before I write", "my ideas are in a better order"),
          ("test myself on the key words", "I remember them in the quiz"),
          ("try the harder challenge", "I get better at problem solving"))


def reflection(rng: np.random.Generator, progress: float, growth: float,
               classmate: str | None = None) -> tuple[str, int]:
    """One weekly written reflection and its depth.

    Parameters
    ----------
    progress : float
        How far through the year the week is, 0..1.
    growth : float
        The pupil's own shift of the chances below.
    classmate : str, optional
        A classmate's forename to mention (so name redaction has work to do).

    Returns
    -------
    text : str
    depth : int
        1 descriptive only; 2 with an explanatory sentence ("because"); 3 with a
        dialogic or critical sentence that weighs alternatives or another view
        ("Perhaps ... because ...; next time ...", "On the other hand, my partner
        thinks ...", or "I could ... or carry on as I am ...", which on purpose
        holds none of the default rubric's level-3 phrases). A target alone is
        never level 3. The chance of an explanatory sentence rises from 0.15 in
        September to 0.75 in July, of a dialogic one from 0.03 to 0.53 (plus
        ``growth``). :func:`true_depth` recovers the depth from the text.
    """
    subjects = list(_SUBJECT_ACTIVITIES)
    subject = subjects[int(rng.integers(len(subjects)))]
    acts = _SUBJECT_ACTIVITIES[subject]
    sentences = [f"This week in {subject} we {acts[int(rng.integers(len(acts)))]}."]
    if rng.random() < 0.4:
        sentences.append(("We worked in groups.", "I finished all my work.",
                          "I liked it.", "It was fun.")[int(rng.integers(4))])
    if classmate:
        sentences.append((f"I worked with {classmate} and we checked each other's answers.",
                          f"{classmate} helped me when I was stuck.",
                          f"I sat next to {classmate}.")[int(rng.integers(3))])
    depth = 1
    if rng.random() < np.clip(0.15 + 0.6 * progress + growth, 0, 1):
        depth = 2
        if rng.random() < 0.5:
            sentences.append(f"I found {_HARD[int(rng.integers(len(_HARD)))]} hard because "
                             f"{_REASONS[int(rng.integers(len(_REASONS)))]}.")
        else:
            sentences.append(f"It went well because "
                             f"{_WENT_WELL[int(rng.integers(len(_WENT_WELL)))]}.")
    if rng.random() < np.clip(0.03 + 0.5 * progress + growth, 0, 1):
        depth = 3
        goal, why = _GOALS[int(rng.integers(len(_GOALS)))]
        sentences.append((f"Perhaps it went that way because I rushed; next time I will {goal} "
                          f"so that {why}.",
                          f"On the other hand, my partner thinks I should {goal} so that {why}.",
                          f"I could {goal} or carry on as I am, and the first is better because "
                          f"then {why}.")[int(rng.integers(3))])
    return " ".join(sentences), depth


#: The generator's sentences that make a reflection explanatory (2) or dialogic (3): they
#: define its true depth, whatever phrases a rubric looks for.
_EXPLANATORY = re.compile(r"(?:I found [^.]* hard|It went well) because [^.]*\.")
_DIALOGIC = re.compile(r"(?:Perhaps it went that way because I rushed; next time I will|"
                       r"On the other hand, my partner thinks I should|I could) [^.]*\.")


def reflection_sentences(text: str) -> list[tuple[int, int, int]]:
    """The explanatory and dialogic sentences :func:`reflection` wrote in ``text``.

    Returns
    -------
    list of (depth, start, end)
        2 for an explanatory sentence, 3 for a dialogic or critical one, with its
        character span; in the order found (explanatory first).
    """
    return [(depth, m.start(), m.end()) for depth, pattern in ((2, _EXPLANATORY),
                                                               (3, _DIALOGIC))
            for m in pattern.finditer(text)]


def true_depth(text: str) -> int:
    """The latent depth :func:`reflection` wrote ``text`` at (1, 2 or 3), from its sentences."""
    return max((d for d, _, _ in reflection_sentences(text)), default=1)


def conference_feedback(rng: np.random.Generator, who: str, child: str | None = None) -> str:
    """Feedback after a student-led conference from a ``"Parent"``, ``"Pupil"`` or ``"Staff"``."""
    if who == "Parent":
        name = child if child else ("my daughter", "my son", "my child")[int(rng.integers(3))]
        return (f"It was lovely to hear {name} explain what they have been learning.",
                f"I learned more about how {name} learns than at any parents' evening.",
                f"{name[0].upper() + name[1:]} was nervous but really proud to show their book.",
                "Some of it was just a list of activities; I would like to hear more about "
                "what was hard.",
                "Could the conferences be a bit longer? We ran out of time.")[int(rng.integers(5))]
    if who == "Pupil":
        return ("I was nervous at first but I liked showing my work.",
                "I could explain my targets because I had written about them every week.",
                "It was better than a normal parents' evening because I got to talk.",
                "I did not know what to say about maths.",
                "My reflections helped me remember what I had done.")[int(rng.integers(5))]
    return ("Pupils who had written regular reflections spoke in much more depth.",
            "Some pupils only described activities; we need more modelling of reflection.",
            "Parents stayed longer than at a usual consultation evening.",
            "The script helped the less confident pupils to start.")[int(rng.integers(4))]


_QUOTES = (
    "I didn't realise how much time teachers spend planning. It has opened my eyes a bit.",
    "You see how teachers do things, and how much a lesson gets disrupted when people mess "
    "about.",
    "Talking about how we learn with teachers made me think about how I revise.",
    "I was really shy before. Now I can talk to a room full of teachers.",
    "Working with the same department all year meant I could see our ideas being used.",
    "The teachers actually listened when we said the starter quizzes helped.",
    "I try retrieval practice at home now because we read about it.",
    "It is not just the clever people who join. Anyone can say how lessons feel.",
    "Presenting at the staff training was scary but I felt proud after.",
    "I understand why teachers ask us to do things a certain way now.",
    "We get to say what works for us and they change things.",
    "I think I am more patient with teachers now that I know how hard it is.",
)


def interview_quotes(rng: np.random.Generator, k: int) -> list[str]:
    """``k`` short pupil-voice snippets from SLC members' interviews."""
    idx = rng.permutation(len(_QUOTES))
    return [_QUOTES[i % len(_QUOTES)] for i in np.resize(idx, k)]


def survey_comment(rng: np.random.Generator) -> str:
    """An open comment from the end-of-year TLC staff survey."""
    return ("The TLC gave me encouragement to diversify my style and the confidence, almost "
            "permission, to take risks.",
            "Really valued hearing from colleagues in other departments.",
            "Time is the issue: meetings after a full day are hard.",
            "The action planning kept me honest; I actually tried things.",
            "Would like more time to observe each other.",
            "The student voice session was the most useful meeting of the year.",
            "Good in principle but it clashed with my department's deadlines.",
            "I will carry on with retrieval quizzes next year.")[int(rng.integers(8))]


def coproduction_topics(project: str, n: int) -> list[str]:
    """Topics of ``n`` weekly co-production meetings working towards ``project``."""
    steps = ("Getting to know each other; what would we change about school?",
             "Choosing our project", f"Planning the {project.lower()}: who does what",
             "Asking the head for permission", "Budget and equipment",
             f"Working on the {project.lower()}", "Checking progress against our goals",
             "Talking to other pupils about the project", f"Working on the {project.lower()}",
             "Preparing to present to the governors", "What have we learned?")
    return [steps[min(i, len(steps) - 1)] if i < 5 else steps[5 + (i - 5) % 6] for i in range(n)]
