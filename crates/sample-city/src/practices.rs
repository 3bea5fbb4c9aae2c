//! Checklists, good-practice notes, the support catalogue and action plans of
//! the sample city.
//!
//! - 24 good-practice notes over every theme, each by a school of the level
//!   it fits, no school twice on a theme; notes on truancy or guidance by
//!   schools whose low or falling truancy backs them up. The texts are made
//!   up; some notes name their own school, a teacher, a street, an e-mail
//!   address or a phone number, as real notes do, for anonymise to redact.
//! - 17 support offers covering every theme, some for one level, some with
//!   a contact.
//! - Action-plan goals for about eight schools and every local network, with
//!   baselines counted from the generated data and targets within reach of
//!   improving schools but not of worsening ones.
//! - Texts in the schools' languages: notes, offers and network goals in
//!   Dutch (Flemish school Dutch), with an English translation where a
//!   school reads its mirror in English; a school's own goals in its
//!   report language.

use std::fmt::Write as _;

use mirror_model::{EducationForm, Level, SchoolYear};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::city::{School, Trend};
use crate::figures::{SchoolFigures, THRESHOLDS};
use crate::questionnaires::Wave;
use crate::write::field;

const NETWORKS: [&str; 4] = ["LOP Noord", "LOP Zuid", "LOP Oost", "LOP West"];

/// The local network of the schools of a neighbourhood.
pub(crate) fn network(neighbourhood: usize) -> &'static str {
    NETWORKS[neighbourhood % NETWORKS.len()]
}

/// The shipped checklist's item ids (config/checklist.toml).
const CHECKLIST: [&str; 11] = [
    "truancy-protocol",
    "same-day-follow-up",
    "parents-first-half-day",
    "clb-from-five",
    "return-talk",
    "anti-bullying-policy",
    "anonymous-reporting",
    "trusted-adult",
    "safe-routes",
    "pupil-voice",
    "newcomer-welcome",
];

/// Answers of about 70% of the schools: schools with less truancy of their
/// own have more of the approach in place.
pub(crate) fn checklists(rng: &mut ChaCha8Rng, schools: &[School]) -> String {
    let mut out = String::from("school_id;item;answer;remark\n");
    for school in schools {
        if !rng.random_bool(0.7) {
            continue;
        }
        let in_place = (0.85 - 0.3 * (school.climate - 1.0)).clamp(0.2, 0.95);
        for item in CHECKLIST {
            let answer = if rng.random_bool(in_place) {
                "ja"
            } else if rng.random_bool(0.5) {
                "deels"
            } else {
                "nee"
            };
            let remark = match (answer, rng.random_bool(0.15)) {
                ("deels", true) => "In uitwerking dit schooljaar",
                ("nee", true) => "Nog niet besproken in het team",
                _ => "",
            };
            let _ = writeln!(out, "{};{item};{answer};{remark}", school.id);
        }
    }
    out
}

/// A good-practice note as a school writes it. In the texts `{school}` is
/// replaced by the writing school's name, `{teacher}` by one of its staff
/// and `{street}` by the street it is on, as writers do.
struct Practice {
    themes: &'static [&'static str],
    /// The level of school the practice fits; `None` for both.
    level: Option<Level>,
    /// How many school years before the last one the note was written.
    years_ago: i32,
    title: &'static str,
    what: &'static str,
    whom: &'static str,
    changed: &'static str,
    /// The note in Dutch, the city's language: written first.
    dutch: Dutch,
}

/// A note's title and sections in Dutch, as a Flemish school writes them.
struct Dutch {
    title: &'static str,
    what: &'static str,
    whom: &'static str,
    changed: &'static str,
}

/// The notes, each written by another school where the city is big enough.
const PRACTICES: &[Practice] = &[
    Practice {
        themes: &["truancy", "parents"],
        level: None,
        years_ago: 0,
        title: "A phone call before ten",
        what: "The secretariat calls the parents of every pupil who is absent without notice before ten in the morning. At {school} the call is made by a teacher the pupil knows, such as {teacher}.",
        whom: "All pupils of the first and second grade.",
        changed: "Unnotified absences fell by a third within one term; parents said they felt taken seriously.",
        dutch: Dutch {
            title: "Een telefoontje voor tien uur",
            what: "Het secretariaat belt vóór tien uur 's ochtends de ouders van elke leerling die zonder bericht afwezig is. In {school} belt een leerkracht die de leerling kent, zoals {teacher}.",
            whom: "Alle leerlingen van de eerste en de tweede graad.",
            changed: "Binnen één trimester daalde het aantal ongemelde afwezigheden met een derde; ouders zeiden dat ze zich ernstig genomen voelden.",
        },
    },
    Practice {
        themes: &["truancy", "guidance"],
        level: Some(Level::Secondary),
        years_ago: 0,
        title: "Welcome-back talks",
        what: "After every problematic half day the pupil has a short talk with a trusted teacher, who asks what kept them away before anything else.",
        whom: "Pupils with a first problematic half day.",
        changed: "Fewer pupils reached five half days; the talks brought bullying on the bus to light.",
        dutch: Dutch {
            title: "Terugkomgesprekken",
            what: "Na elke problematisch afwezige halve dag heeft de leerling een kort gesprek met een vertrouwensleerkracht, die eerst vraagt waarom de leerling wegbleef.",
            whom: "Leerlingen met een eerste problematisch afwezige halve dag.",
            changed: "Minder leerlingen kwamen aan vijf halve dagen; de gesprekken brachten pesterijen op de bus aan het licht.",
        },
    },
    Practice {
        themes: &["bullying"],
        level: None,
        years_ago: 0,
        title: "A letterbox for worries",
        what: "A letterbox outside the staff room and an online form let pupils report bullying anonymously. Mr Peeters reads them daily with the pupil care team.",
        whom: "All pupils.",
        changed: "Three times as many reports in the first year, most of them early enough to talk things out.",
        dutch: Dutch {
            title: "Een brievenbus voor zorgen",
            what: "Met een brievenbus naast de leraarskamer en een onlineformulier kunnen leerlingen pesten anoniem melden. Meneer Peeters leest de meldingen elke dag met het zorgteam.",
            whom: "Alle leerlingen.",
            changed: "Het eerste jaar kwamen er drie keer zoveel meldingen, de meeste vroeg genoeg om het uit te praten.",
        },
    },
    Practice {
        themes: &["safety"],
        level: None,
        years_ago: 2,
        title: "Teachers at the gate",
        what: "Two teachers stand at the gate and at the corner of the Kioskstraat at the start and end of the day.",
        whom: "Pupils who walk or cycle to school.",
        changed: "Pupils reported feeling safer around the school; the neighbours' complaints stopped.",
        dutch: Dutch {
            title: "Leerkrachten aan de schoolpoort",
            what: "Bij het begin en het einde van de schooldag staan twee leerkrachten aan de poort en op de hoek van de Kioskstraat.",
            whom: "Leerlingen die te voet of met de fiets naar school komen.",
            changed: "Leerlingen voelden zich veiliger rond de school; de klachten van de buren hielden op.",
        },
    },
    Practice {
        themes: &["belonging", "wellbeing"],
        level: Some(Level::Secondary),
        years_ago: 0,
        title: "Buddies for first-years",
        what: "Every first-year pupil gets a buddy from the fourth year for the first ten weeks.",
        whom: "First-year pupils.",
        changed: "First-years said more often that they belong at school; absences in autumn were lower.",
        dutch: Dutch {
            title: "Een buddy voor elke eerstejaars",
            what: "Elke leerling van het eerste jaar krijgt de eerste tien weken een buddy uit het vierde jaar.",
            whom: "Leerlingen van het eerste jaar.",
            changed: "Eerstejaars zeiden vaker dat ze zich thuis voelen op school; in het najaar waren er minder afwezigheden.",
        },
    },
    Practice {
        themes: &["newcomers"],
        level: Some(Level::Secondary),
        years_ago: 0,
        title: "One contact for newcomers",
        what: "Every newcomer and their family get one contact person, who speaks with them weekly in the first term.",
        whom: "Newcomers from the reception classes.",
        changed: "Families kept in touch with the school; fewer newcomers dropped out in their first year.",
        dutch: Dutch {
            title: "Eén aanspreekpunt voor nieuwkomers",
            what: "Elke nieuwkomer en zijn gezin krijgen één contactpersoon, die hen in het eerste trimester elke week spreekt.",
            whom: "Nieuwkomers uit de onthaalklassen (OKAN).",
            changed: "De gezinnen bleven in contact met de school; minder nieuwkomers haakten in hun eerste jaar af.",
        },
    },
    Practice {
        themes: &["rules", "belonging"],
        level: Some(Level::Secondary),
        years_ago: 0,
        title: "Pupils rewrite the rules",
        what: "A pupil council rewrote the school rules in plain language with the head.",
        whom: "All pupils and teachers.",
        changed: "The rules were known by more pupils and applied more evenly, according to the questionnaire.",
        dutch: Dutch {
            title: "Leerlingen herschrijven het schoolreglement",
            what: "Een leerlingenraad herschreef samen met de directeur het schoolreglement in eenvoudige taal.",
            whom: "Alle leerlingen en leerkrachten.",
            changed: "Volgens de bevraging kenden meer leerlingen de regels en werden ze gelijker toegepast.",
        },
    },
    Practice {
        themes: &["support", "wellbeing"],
        level: None,
        years_ago: 0,
        title: "Ten minutes a week",
        what: "Each class teacher spends ten minutes a week with every pupil who seems to struggle. Contact: mentor@example.org.",
        whom: "Pupils the class council worries about.",
        changed: "Pupils found a teacher to go to more easily; guidance files were opened earlier.",
        dutch: Dutch {
            title: "Tien minuten per week",
            what: "Elke klastitularis maakt elke week tien minuten tijd voor elke leerling die het moeilijk lijkt te hebben. Contact: mentor@example.org.",
            whom: "Leerlingen over wie de klassenraad zich zorgen maakt.",
            changed: "Leerlingen vonden makkelijker een leerkracht bij wie ze terechtkunnen; begeleidingsdossiers werden vroeger geopend.",
        },
    },
    Practice {
        themes: &["safety", "parents"],
        level: Some(Level::Primary),
        years_ago: 1,
        title: "A walking bus",
        what: "Parents and grandparents take turns to walk three fixed routes every morning, picking children up at stops marked with a sign; one route runs along the {street}. Each walker wears a yellow vest and carries the list of the children on the route.",
        whom: "Children of the first to fourth year who live within a kilometre and a half of the school.",
        changed: "Fewer children were late on Monday mornings; more came on foot, and the parents who walk along got to know the teachers.",
        dutch: Dutch {
            title: "Te voet naar school in groep",
            what: "Ouders en grootouders stappen om beurten elke ochtend drie vaste routes en pikken de kinderen op aan haltes met een bordje; één route loopt langs de {street}. Elke begeleider draagt een fluohesje en heeft de lijst van de kinderen van de route bij.",
            whom: "Kinderen van het eerste tot het vierde leerjaar die binnen anderhalve kilometer van de school wonen.",
            changed: "Op maandagochtend kwamen minder kinderen te laat; meer kinderen kwamen te voet, en de ouders die meestappen, leerden de leerkrachten kennen.",
        },
    },
    Practice {
        themes: &["safety"],
        level: Some(Level::Primary),
        years_ago: 0,
        title: "A school street",
        what: "With the city's mobility service the street in front of the school is closed to cars for half an hour at the start and the end of the school day. Parents and a teacher put out the barriers.",
        whom: "All children and parents coming to school.",
        changed: "No more cars reversing among the children at the gate; more children cycle, and the children's answers on feeling safe around the school went up in the questionnaire.",
        dutch: Dutch {
            title: "Autovrij aan de schoolpoort",
            what: "Samen met de mobiliteitsdienst van de stad is de straat voor de school bij het begin en het einde van de schooldag een halfuur afgesloten voor auto's. Ouders en een leerkracht zetten de hekken.",
            whom: "Alle kinderen en ouders die naar school komen.",
            changed: "Geen auto's meer die tussen de kinderen aan de poort achteruitrijden; meer kinderen komen met de fiets, en in de bevraging voelden de kinderen zich veiliger rond de school.",
        },
    },
    Practice {
        themes: &["truancy", "guidance"],
        level: Some(Level::Secondary),
        years_ago: 1,
        title: "Late arrivals as a signal",
        what: "From a pupil's third late arrival in a month the mentor has a short talk, and the pupil care coordinator looks at the absence record for a pattern: Monday mornings, the day of the swimming lesson, the last hour before a test.",
        whom: "Pupils of the second and third grade.",
        changed: "The reasons behind absence surfaced weeks earlier; fewer pupils reached five problematic half days than the year before.",
        dutch: Dutch {
            title: "Te laat komen als signaal",
            what: "Vanaf de derde keer te laat in een maand heeft de klastitularis een kort gesprek met de leerling, en de leerlingenbegeleider zoekt in de afwezigheden naar een patroon: maandagochtend, de dag van de zwemles, het laatste lesuur voor een toets.",
            whom: "Leerlingen van de tweede en de derde graad.",
            changed: "De redenen achter afwezigheid kwamen weken vroeger aan het licht; minder leerlingen kwamen aan vijf problematisch afwezige halve dagen dan het jaar voordien.",
        },
    },
    Practice {
        themes: &["truancy", "guidance"],
        level: Some(Level::Secondary),
        years_ago: 0,
        title: "Absence at the class council",
        what: "Every six weeks the class council puts each pupil's problematic half days next to their marks. Pupils from three half days are discussed by name, and one teacher takes up the contact with the pupil and the CLB.",
        whom: "All classes; in practice about one pupil in ten.",
        changed: "Guidance files were opened about two weeks after the fifth problematic half day instead of six; the class council now talks about attendance, not only about marks.",
        dutch: Dutch {
            title: "Afwezigheid op de klassenraad",
            what: "Om de zes weken legt de klassenraad de problematisch afwezige halve dagen van elke leerling naast de punten. Leerlingen vanaf drie halve dagen worden bij naam besproken, en één leerkracht neemt contact op met de leerling en het CLB.",
            whom: "Alle klassen; in de praktijk ongeveer één leerling op tien.",
            changed: "Begeleidingsdossiers werden ongeveer twee weken na de vijfde problematisch afwezige halve dag geopend in plaats van na zes; de klassenraad praat nu ook over aanwezigheid, niet alleen over punten.",
        },
    },
    Practice {
        themes: &["truancy", "parents"],
        level: Some(Level::Primary),
        years_ago: 0,
        title: "Home visits with the CLB",
        what: "When a child misses three half days without a valid reason, the care coordinator and the CLB worker visit the family at home, with an interpreter when needed, and agree on how the child gets to school.",
        whom: "Families of children who are often absent, most of them in the last nursery class and the first years of primary.",
        changed: "Most families had practical reasons, such as a younger child at home or a parent on night shifts; with an arrangement the absences stopped within a month.",
        dutch: Dutch {
            title: "Huisbezoeken met het CLB",
            what: "Als een kind drie halve dagen zonder geldige reden afwezig is, gaan de zorgcoördinator en de CLB-medewerker op huisbezoek bij het gezin, zo nodig met een tolk, en spreken ze af hoe het kind naar school komt.",
            whom: "Gezinnen van kinderen die vaak afwezig zijn, de meeste in de derde kleuterklas en de eerste leerjaren.",
            changed: "De meeste gezinnen hadden praktische redenen, zoals een jonger kind thuis of een ouder met nachtwerk; met een afspraak stopten de afwezigheden binnen een maand.",
        },
    },
    Practice {
        themes: &["bullying", "belonging"],
        level: Some(Level::Primary),
        years_ago: 0,
        title: "A friendship bench",
        what: "Two benches on the playground of {school} are friendship benches: a child sitting there is asked to join a game by the sixth-year pupils on playground duty. The teachers on duty, such as {teacher}, keep an eye on who sits there often.",
        whom: "All children, at the morning and lunch breaks.",
        changed: "Fewer children stood alone at break time; the teachers noticed two children who were being left out on purpose.",
        dutch: Dutch {
            title: "Een vriendschapsbank",
            what: "Twee banken op de speelplaats van {school} zijn vriendschapsbanken: wie daar zit, wordt door de leerlingen van het zesde leerjaar met speelplaatsdienst gevraagd om mee te spelen. De leerkrachten met toezicht, zoals {teacher}, letten op wie er vaak zit.",
            whom: "Alle kinderen, tijdens de ochtend- en de middagspeeltijd.",
            changed: "Minder kinderen stonden alleen op de speelplaats; de leerkrachten merkten twee kinderen op die bewust werden buitengesloten.",
        },
    },
    Practice {
        themes: &["bullying", "rules"],
        level: Some(Level::Secondary),
        years_ago: 0,
        title: "Peer mediators",
        what: "Twelve third-year pupils were trained as mediators by an organisation of the city's support network. During the lunch break they help classmates settle arguments in a room next to the library, with a teacher within reach.",
        whom: "First-grade pupils who quarrel or feel picked on.",
        changed: "Fewer arguments ended up at the head's office; pupils said more often that conflicts are handled fairly.",
        dutch: Dutch {
            title: "Leerlingen als bemiddelaars",
            what: "Twaalf leerlingen van het derde jaar werden door een organisatie uit het ondersteuningsnetwerk van de stad opgeleid tot bemiddelaar. Tijdens de middagpauze helpen ze medeleerlingen om ruzies bij te leggen, in een lokaal naast de bibliotheek, met een leerkracht in de buurt.",
            whom: "Leerlingen van de eerste graad die ruziemaken of zich geviseerd voelen.",
            changed: "Minder ruzies kwamen bij de directeur terecht; leerlingen zeiden vaker dat conflicten eerlijk worden aangepakt.",
        },
    },
    Practice {
        themes: &["bullying", "safety"],
        level: Some(Level::Secondary),
        years_ago: 0,
        title: "Lessons on online bullying",
        what: "Each first-year class has two lessons with the police's youth officer and the ICT coordinator on online bullying: what is a crime, how to keep a screenshot, how to report it at school and in the app.",
        whom: "First-year pupils, and their parents at an evening afterwards.",
        changed: "More online bullying was reported, and earlier; fewer quarrels that started online carried on in the playground.",
        dutch: Dutch {
            title: "Lessen over online pesten",
            what: "Elke klas van het eerste jaar krijgt twee lessen van de jeugdinspecteur van de politie en de ICT-coördinator over online pesten: wat strafbaar is, hoe je een screenshot bewaart, hoe je het meldt op school en in de app.",
            whom: "Leerlingen van het eerste jaar, en achteraf hun ouders op een infoavond.",
            changed: "Online pesten werd vaker en vroeger gemeld; minder ruzies die online begonnen, liepen verder op de speelplaats.",
        },
    },
    Practice {
        themes: &["wellbeing", "support"],
        level: Some(Level::Secondary),
        years_ago: 0,
        title: "A quiet room",
        what: "A quiet room with a teacher on call is open all day. A pupil who feels overwhelmed can go there with a card from the teacher for at most one lesson, instead of walking out of class or out of school.",
        whom: "Pupils who feel anxious or angry, and pupils back after a long absence.",
        changed: "Fewer pupils left school during the day without permission; the care team heard sooner about pupils who were not doing well.",
        dutch: Dutch {
            title: "Een rustlokaal",
            what: "Een rustlokaal met een leerkracht van wacht is de hele dag open. Een leerling die het even niet meer ziet zitten, kan er met een kaart van de leerkracht hoogstens één lesuur naartoe, in plaats van de klas of de school uit te lopen.",
            whom: "Leerlingen die angstig of boos zijn, en leerlingen die terugkomen na een lange afwezigheid.",
            changed: "Minder leerlingen verlieten overdag zonder toestemming de school; het zorgteam hoorde sneller van leerlingen die het moeilijk hadden.",
        },
    },
    Practice {
        themes: &["wellbeing", "belonging"],
        level: Some(Level::Primary),
        years_ago: 0,
        title: "A morning circle",
        what: "Each class starts the day with a five-minute circle in which every child says in one word how they feel. The teacher, such as {teacher} in the fifth year, talks later that morning with the children who said tired, sad or nothing.",
        whom: "All classes from the third nursery class to the sixth year.",
        changed: "Teachers heard of worries at home sooner; children said more often that they feel at home in their class.",
        dutch: Dutch {
            title: "Een ochtendkring",
            what: "Elke klas begint de dag met een kring van vijf minuten waarin elk kind in één woord zegt hoe het zich voelt. De leerkracht, zoals {teacher} in het vijfde leerjaar, praat later die ochtend met de kinderen die moe, verdrietig of niets zeiden.",
            whom: "Alle klassen, van de derde kleuterklas tot het zesde leerjaar.",
            changed: "Leerkrachten hoorden sneller van zorgen thuis; kinderen zeiden vaker dat ze zich thuis voelen in hun klas.",
        },
    },
    Practice {
        themes: &["belonging", "parents"],
        level: Some(Level::Secondary),
        years_ago: 0,
        title: "A welcome morning in August",
        what: "In the last week of August new first-years come for a morning with their parents: a tour, a game with their class, meeting their mentor and finding their locker. Parents get the name of one person to call.",
        whom: "New first-year pupils and their parents.",
        changed: "The first weeks were calmer; more parents came to the first parents' evening, and first-years missed fewer half days in September.",
        dutch: Dutch {
            title: "Een onthaalvoormiddag in augustus",
            what: "In de laatste week van augustus komen de nieuwe eerstejaars met hun ouders een voormiddag naar school: een rondleiding, een spel met hun klas, kennismaken met hun klastitularis en hun kluisje vinden. De ouders krijgen de naam van één persoon die ze kunnen bellen.",
            whom: "Nieuwe leerlingen van het eerste jaar en hun ouders.",
            changed: "De eerste weken verliepen rustiger; meer ouders kwamen naar het eerste oudercontact, en eerstejaars misten in september minder halve dagen.",
        },
    },
    Practice {
        themes: &["newcomers", "belonging"],
        level: Some(Level::Primary),
        years_ago: 0,
        title: "A language buddy",
        what: "A newcomer child who speaks little Dutch gets a classmate as a buddy, if possible one who speaks the same home language, and reads twice a week with a volunteer in the library on the {street}.",
        whom: "Newcomer children in their first year at the school.",
        changed: "Newcomers joined games and group work sooner; their parents came to the school more often.",
        dutch: Dutch {
            title: "Een taalbuddy",
            what: "Een nieuwkomer die weinig Nederlands spreekt, krijgt een klasgenoot als buddy, zo mogelijk een die dezelfde thuistaal spreekt, en leest twee keer per week met een vrijwilliger in de bibliotheek in de {street}.",
            whom: "Kinderen die nieuwkomer zijn, in hun eerste jaar op de school.",
            changed: "Nieuwkomers deden sneller mee met spelletjes en groepswerk; hun ouders kwamen vaker naar de school.",
        },
    },
    Practice {
        themes: &["guidance", "support"],
        level: Some(Level::Primary),
        years_ago: 0,
        title: "A care meeting every Monday",
        what: "The care coordinator, the CLB worker and the head meet every Monday at a quarter past eight for half an hour on the children the teachers worry about, with one shared list of what was agreed and who does it.",
        whom: "Children the teachers or parents worry about, those with absences included.",
        changed: "No child waited more than a week for a next step; guidance on absence now starts at the first problematic half days instead of the fifth.",
        dutch: Dutch {
            title: "Elke maandag een zorgoverleg",
            what: "De zorgcoördinator, de CLB-medewerker en de directeur komen elke maandag om kwart over acht een halfuur samen over de kinderen over wie de leerkrachten zich zorgen maken, met één gedeelde lijst van wat afgesproken is en wie wat doet.",
            whom: "Kinderen over wie de leerkrachten of de ouders zich zorgen maken, ook kinderen die vaak afwezig zijn.",
            changed: "Geen kind wachtte langer dan een week op een volgende stap; de begeleiding bij afwezigheid begint nu bij de eerste problematisch afwezige halve dagen in plaats van bij de vijfde.",
        },
    },
    Practice {
        themes: &["rules", "parents"],
        level: Some(Level::Primary),
        years_ago: 0,
        title: "The rules on one page",
        what: "The school rules were rewritten on one page with pictures, in Dutch and in the five home languages most spoken at the school, and explained at the first parents' evening. Parents with questions can call the office on 03 218 40 27.",
        whom: "Parents and children.",
        changed: "Fewer misunderstandings about absence notes; more parents let the school know in the morning when their child is ill.",
        dutch: Dutch {
            title: "Het schoolreglement op één blad",
            what: "Het schoolreglement werd herschreven op één blad met prenten, in het Nederlands en in de vijf thuistalen die op school het meest gesproken worden, en toegelicht op de eerste ouderavond. Ouders met vragen kunnen het secretariaat bellen op 03 218 40 27.",
            whom: "Ouders en kinderen.",
            changed: "Minder misverstanden over afwezigheidsbriefjes; meer ouders laten 's ochtends weten wanneer hun kind ziek is.",
        },
    },
    Practice {
        themes: &["rules", "wellbeing"],
        level: Some(Level::Secondary),
        years_ago: 0,
        title: "A restorative talk on return",
        what: "A pupil who was suspended comes back through a talk with the people they harmed and a trained teacher: what happened, who was affected, what will be put right. The agreement is written down and looked at again after two weeks.",
        whom: "Pupils coming back after a suspension or a serious incident.",
        changed: "Fewer pupils were suspended a second time; teachers said they had more to go on than a sanction alone.",
        dutch: Dutch {
            title: "Een herstelgesprek bij de terugkeer",
            what: "Een leerling die geschorst was, komt terug via een gesprek met wie hij schade berokkende en een opgeleide leerkracht: wat er gebeurde, wie erdoor geraakt werd, wat er hersteld wordt. De afspraak wordt op papier gezet en na twee weken opnieuw bekeken.",
            whom: "Leerlingen die terugkomen na een schorsing of een ernstig incident.",
            changed: "Minder leerlingen werden een tweede keer geschorst; leerkrachten zeiden dat ze meer in handen hadden dan alleen een sanctie.",
        },
    },
    Practice {
        themes: &["safety"],
        level: Some(Level::Secondary),
        years_ago: 0,
        title: "Home together after late study",
        what: "In the winter months the pupils who stay for supervised study until half past five leave together, and a teacher walks with them to the tram stop on the {street}.",
        whom: "First- and second-year pupils who stay for the late study.",
        changed: "Parents stopped worrying about the walk home in the dark, and more pupils stayed for the study in winter.",
        dutch: Dutch {
            title: "Samen naar huis na de avondstudie",
            what: "In de wintermaanden vertrekken de leerlingen die tot half zes in de avondstudie blijven samen, en een leerkracht stapt mee tot aan de tramhalte in de {street}.",
            whom: "Leerlingen van het eerste en het tweede jaar die in de avondstudie blijven.",
            changed: "Ouders maakten zich geen zorgen meer over de weg naar huis in het donker, en in de winter bleven meer leerlingen in de studie.",
        },
    },
];

const FIRST_NAMES: [&str; 14] = [
    "Marieke", "Pieter", "Sofie", "Bram", "Fatima", "Yusuf", "Lotte", "Nadia", "Koen", "Ines",
    "Wout", "Hanne", "Mohamed", "Elif",
];
const LAST_NAMES: [&str; 14] = [
    "Peeters",
    "Janssens",
    "Maes",
    "Jacobs",
    "Mertens",
    "Willems",
    "Goossens",
    "Wouters",
    "De Smet",
    "El Amrani",
    "Van den Broeck",
    "Verhoeven",
    "Aydin",
    "Hermans",
];

/// Three staff members per school, as (first name, last name), in school order.
pub(crate) fn staff(rng: &mut ChaCha8Rng, schools: &[School]) -> Vec<[(String, String); 3]> {
    let mut name = || {
        (
            FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())].to_owned(),
            LAST_NAMES[rng.random_range(0..LAST_NAMES.len())].to_owned(),
        )
    };
    schools.iter().map(|_| [name(), name(), name()]).collect()
}

/// The staff roster: names only, for redaction.
pub(crate) fn roster_csv(schools: &[School], staff: &[[(String, String); 3]]) -> String {
    let mut out = String::from("first_name,last_name,school_id,role\n");
    for (school, people) in schools.iter().zip(staff) {
        for (first, last) in people {
            let _ = writeln!(out, "{first},{last},{},teacher", school.id);
        }
    }
    out
}

/// Whether a school of the city reads its mirror in English: the city's
/// texts then come in English too.
fn any_english(schools: &[School]) -> bool {
    schools.iter().any(|s| s.language == "en")
}

/// Whether a school's own figures back up a note on truancy or guidance:
/// its truancy is low for its population or falling, and not rising.
fn low_truancy(school: &School) -> bool {
    school.trend != Trend::Worsening && (school.climate < 1.0 || school.trend == Trend::Improving)
}

/// The street of a school's address ("Lindelei 12, 2000 Antwerpen").
fn street_of(school: &School) -> &str {
    let street_and_number = school.address.split(',').next().unwrap_or_default();
    street_and_number
        .rsplit_once(' ')
        .map_or(street_and_number, |(street, _)| street)
}

/// Good-practice notes, as (file name, text). Each note goes to a school of
/// its level that has not written on any of its themes yet, preferring
/// schools with fewer notes; notes on truancy or guidance go to a school
/// with low or falling truancy where there is one. A note no school can
/// write (a small city) is left out. Each note is in Dutch, the city's
/// language, with an English translation where a school reads its mirror in
/// English.
pub(crate) fn good_practices(
    rng: &mut ChaCha8Rng,
    schools: &[School],
    staff: &[[(String, String); 3]],
    year: SchoolYear,
) -> Vec<(String, String)> {
    let english = any_english(schools);
    let mut order: Vec<usize> = (0..schools.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.random_range(0..=i));
    }
    let mut written: Vec<Vec<&str>> = vec![Vec::new(); schools.len()];
    let mut notes = Vec::new();
    for (k, p) in PRACTICES.iter().enumerate() {
        let backed = p.themes.iter().any(|t| ["truancy", "guidance"].contains(t));
        let Some((_, s)) = order
            .iter()
            .enumerate()
            .map(|(position, &s)| (position, s))
            .filter(|&(_, s)| p.level.is_none_or(|l| schools[s].level == l))
            .filter(|&(_, s)| !p.themes.iter().any(|t| written[s].contains(t)))
            .min_by_key(|&(position, s)| {
                (
                    backed && !low_truancy(&schools[s]),
                    written[s].len(),
                    position,
                )
            })
        else {
            continue;
        };
        written[s].extend(p.themes);
        let school = &schools[s];
        let (first, last) = &staff[s][k % 3];
        let fill = |text: &str| {
            text.replace("{school}", &school.name)
                .replace("{teacher}", &format!("{first} {last}"))
                .replace("{street}", street_of(school))
        };
        let themes: Vec<String> = p.themes.iter().map(|t| format!("\"{t}\"")).collect();
        let written_in = SchoolYear::starting(year.start_year() - p.years_ago);
        let mut text = format!(
            "+++\nschool = \"{}\"\nthemes = [{}]\ntitle = \"{}\"\nyear = \"{written_in}\"\n+++\n\n## Wat\n\n{}\n\n## Voor wie\n\n{}\n\n## Wat veranderde\n\n{}\n",
            school.id,
            themes.join(", "),
            p.dutch.title,
            fill(p.dutch.what),
            fill(p.dutch.whom),
            fill(p.dutch.changed)
        );
        if english {
            let _ = write!(
                text,
                "\n+++\nlanguage = \"en\"\ntitle = \"{}\"\n+++\n\n## What was done\n\n{}\n\n## For whom\n\n{}\n\n## What changed\n\n{}\n",
                p.title,
                fill(p.what),
                fill(p.whom),
                fill(p.changed)
            );
        }
        notes.push((
            format!(
                "{:02}-{}.md",
                notes.len() + 1,
                p.title.to_lowercase().replace(' ', "-")
            ),
            text,
        ));
    }
    notes
}

/// An offer of the city's support catalogue, in English and Dutch.
struct Offer {
    organisation: &'static str,
    offer: &'static str,
    themes: &'static str,
    /// `primary`, `secondary` or empty for both.
    levels: &'static str,
    how_to_ask: &'static str,
    contact: &'static str,
    offer_nl: &'static str,
    how_to_ask_nl: &'static str,
}

/// The city's support catalogue.
const OFFERS: &[Offer] = &[
    Offer {
        organisation: "Stad Antwerpen - Onderwijs",
        offer: "Spijbelcoach: a coach works with the school on pupils from five problematic half days",
        themes: "truancy;guidance",
        levels: "",
        how_to_ask: "Ask the truancy advisor of the education division",
        contact: "spijbelcoach@antwerpen.be",
        offer_nl: "Spijbelcoach: een coach werkt met de school rond leerlingen vanaf vijf problematisch afwezige halve dagen",
        how_to_ask_nl: "Vraag het aan de spijbelconsulent van de dienst Onderwijs",
    },
    Offer {
        organisation: "Stad Antwerpen - Onderwijs",
        offer: "Truancy protocol workshop for the school team",
        themes: "truancy",
        levels: "",
        how_to_ask: "Register through the school support team",
        contact: "",
        offer_nl: "Workshop spijbelprotocol voor het schoolteam",
        how_to_ask_nl: "Schrijf in via het ondersteuningsteam voor scholen",
    },
    Offer {
        organisation: "Vzw Veerkracht",
        offer: "Self-confidence training for pupils who are bullied",
        themes: "bullying;wellbeing",
        levels: "secondary",
        how_to_ask: "E-mail the coordinator with the class and the number of pupils",
        contact: "03 233 18 52",
        offer_nl: "Weerbaarheidstraining voor leerlingen die gepest worden",
        how_to_ask_nl: "Mail de coördinator met de klas en het aantal leerlingen",
    },
    Offer {
        organisation: "Vzw Veerkracht",
        offer: "No Blame approach training for teachers",
        themes: "bullying",
        levels: "",
        how_to_ask: "E-mail the coordinator",
        contact: "",
        offer_nl: "Opleiding No Blame-aanpak voor leerkrachten",
        how_to_ask_nl: "Mail de coördinator",
    },
    Offer {
        organisation: "Buurtwerk De Brug",
        offer: "Street coaches at the school gate and on the way to school",
        themes: "safety",
        levels: "",
        how_to_ask: "Call the neighbourhood office",
        contact: "03 286 71 40",
        offer_nl: "Straatcoaches aan de schoolpoort en op de schoolweg",
        how_to_ask_nl: "Bel het buurtkantoor",
    },
    Offer {
        organisation: "Huis van het Kind",
        offer: "Parent cafe at school: talks on school and wellbeing",
        themes: "parents;wellbeing",
        levels: "primary",
        how_to_ask: "Ask the neighbourhood's family coach",
        contact: "",
        offer_nl: "Oudercafé op school: gesprekken over school en welbevinden",
        how_to_ask_nl: "Vraag het aan de gezinscoach van de buurt",
    },
    Offer {
        organisation: "CLB Antwerpen",
        offer: "Guidance on absence from the first problematic half day",
        themes: "guidance;truancy",
        levels: "",
        how_to_ask: "Ask the school's own CLB worker",
        contact: "",
        offer_nl: "Begeleiding bij afwezigheid vanaf de eerste problematisch afwezige halve dag",
        how_to_ask_nl: "Vraag het aan de CLB-medewerker van de school",
    },
    Offer {
        organisation: "Onthaalbureau Inburgering",
        offer: "Interpreters and a welcome trajectory for newcomer families",
        themes: "newcomers;parents",
        levels: "",
        how_to_ask: "Request through the school's secretariat",
        contact: "",
        offer_nl: "Tolken en een onthaaltraject voor gezinnen van nieuwkomers",
        how_to_ask_nl: "Vraag het aan via het secretariaat van de school",
    },
    Offer {
        organisation: "Jeugdwerk Samen",
        offer: "Belonging: after-school clubs run with pupils",
        themes: "belonging;wellbeing",
        levels: "",
        how_to_ask: "Contact the youth worker of the neighbourhood",
        contact: "",
        offer_nl: "Verbondenheid: naschoolse clubs, samen met leerlingen georganiseerd",
        how_to_ask_nl: "Neem contact op met de jeugdwerker van de buurt",
    },
    Offer {
        organisation: "Stad Antwerpen - Onderwijs",
        offer: "Pupil participation: help to set up a pupil council",
        themes: "rules;belonging",
        levels: "secondary",
        how_to_ask: "Register through the school support team",
        contact: "leerlingenparticipatie@antwerpen.be",
        offer_nl: "Leerlingenparticipatie: hulp bij het opstarten van een leerlingenraad",
        how_to_ask_nl: "Schrijf in via het ondersteuningsteam voor scholen",
    },
    Offer {
        organisation: "Stad Antwerpen - Mobiliteit",
        offer: "Safe to school: a route check with the children, a walking bus and a school street at the gate",
        themes: "safety;parents",
        levels: "primary",
        how_to_ask: "Ask the mobility advisor, at least three months before the school street should start",
        contact: "schoolstraten@antwerpen.be",
        offer_nl: "Veilig naar school: een routecheck met de kinderen, te voet naar school in groep en een schoolstraat aan de poort",
        how_to_ask_nl: "Vraag het aan de mobiliteitsadviseur, minstens drie maanden voor de schoolstraat moet starten",
    },
    Offer {
        organisation: "Jeugdwerk Samen",
        offer: "Talking groups for teenagers who feel they do not fit in, at school or in the neighbourhood",
        themes: "belonging;wellbeing",
        levels: "secondary",
        how_to_ask: "Contact the youth worker, who first meets the pupils at school",
        contact: "",
        offer_nl: "Praatgroepen voor jongeren die zich niet thuis voelen, op school of in de buurt",
        how_to_ask_nl: "Neem contact op met de jeugdwerker, die de leerlingen eerst op school ontmoet",
    },
    Offer {
        organisation: "Stad Antwerpen - Onderwijs",
        offer: "Coaching for teachers: a coach in the classroom on relationships, class climate and noticing pupils who struggle",
        themes: "support;wellbeing",
        levels: "",
        how_to_ask: "Register through the school support team, for the whole team or one teacher",
        contact: "03 338 62 10",
        offer_nl: "Coaching voor leerkrachten: een coach in de klas over relaties, klasklimaat en het opmerken van leerlingen die het moeilijk hebben",
        how_to_ask_nl: "Schrijf in via het ondersteuningsteam voor scholen, voor het hele team of voor één leerkracht",
    },
    Offer {
        organisation: "Vzw Herstel",
        offer: "Restorative practice: training for the team and a facilitator for the first restorative conferences",
        themes: "rules;bullying",
        levels: "",
        how_to_ask: "E-mail the coordinator with a short description of the situation",
        contact: "",
        offer_nl: "Herstelgericht werken: een opleiding voor het team en een begeleider voor de eerste herstelgesprekken",
        how_to_ask_nl: "Mail de coördinator met een korte beschrijving van de situatie",
    },
    Offer {
        organisation: "CLB Antwerpen",
        offer: "Study and career guidance for newcomers leaving the reception class",
        themes: "newcomers;guidance",
        levels: "secondary",
        how_to_ask: "Ask the CLB worker of the reception class, before the Easter holiday",
        contact: "",
        offer_nl: "Studie- en loopbaanbegeleiding voor nieuwkomers die de onthaalklas verlaten",
        how_to_ask_nl: "Vraag het aan de CLB-medewerker van de onthaalklas, vóór de paasvakantie",
    },
    Offer {
        organisation: "Huis van het Kind",
        offer: "Parent evenings on puberty, phones and school for parents of secondary pupils",
        themes: "parents;wellbeing",
        levels: "secondary",
        how_to_ask: "Ask the family coach; the school provides the room and the evening is free",
        contact: "",
        offer_nl: "Ouderavonden over de puberteit, smartphones en school voor ouders van leerlingen in het secundair",
        how_to_ask_nl: "Vraag het aan de gezinscoach; de school zorgt voor de zaal en de avond is gratis",
    },
    Offer {
        organisation: "Politie Antwerpen - Jeugd",
        offer: "Class lessons on online bullying and what to do with screenshots",
        themes: "bullying;safety",
        levels: "secondary",
        how_to_ask: "Ask the youth officer of the police zone",
        contact: "",
        offer_nl: "Klaslessen over online pesten en wat je met screenshots doet",
        how_to_ask_nl: "Vraag het aan de jeugdinspecteur van de politiezone",
    },
];

/// The city's support catalogue as CSV: in Dutch, the city's language,
/// and in English (`offer_en`, `how_to_ask_en`) where `english`.
pub(crate) fn support_offers(english: bool) -> String {
    let mut out = String::from("organisation,offer,themes,levels,how_to_ask,contact");
    out.push_str(if english {
        ",offer_en,how_to_ask_en\n"
    } else {
        "\n"
    });
    for o in OFFERS {
        let _ = write!(
            out,
            "{},{},{},{},{},{}",
            field(o.organisation),
            field(o.offer_nl),
            o.themes,
            o.levels,
            field(o.how_to_ask_nl),
            field(o.contact)
        );
        if english {
            let _ = write!(out, ",{},{}", field(o.offer), field(o.how_to_ask));
        }
        out.push('\n');
    }
    out
}

/// How many offers the catalogue has.
pub(crate) fn support_offer_count() -> usize {
    OFFERS.len()
}

/// A goal's row of the plans file: for the school or network of `scope`
/// (`[school_id, network]`), in English when `in_english` (an English
/// school's own goal), else in Dutch with, in a city with English readers
/// (`english`), a network goal's English in `goal_en` and `evaluation_en`.
fn plan_row(
    out: &mut String,
    [school, network]: [&str; 2],
    in_english: bool,
    english: bool,
    wording: &GoalWording,
    aim: &Aim,
) {
    let language = usize::from(!in_english);
    let _ = write!(
        out,
        "{school},{network},{},{},{},{},{},{},{}",
        field(wording.goal[language]),
        aim.indicator,
        aim.target,
        aim.baseline,
        aim.deadline,
        field(wording.partner),
        field(wording.evaluation[language])
    );
    match (english, in_english, network.is_empty()) {
        (false, ..) => {}
        (true, true, _) => out.push_str(",en,,"),
        (true, false, true) => out.push_str(",,,"),
        (true, false, false) => {
            let _ = write!(
                out,
                ",,{},{}",
                field(wording.goal[0]),
                field(wording.evaluation[0])
            );
        }
    }
    out.push('\n');
}

/// What a goal says, in English and Dutch, who takes it on, and how often
/// it is looked at, in English and Dutch.
struct GoalWording {
    goal: [&'static str; 2],
    partner: &'static str,
    evaluation: [&'static str; 2],
}

/// How often progress is evaluated, in English and Dutch.
const TERMLY: [&str; 2] = ["termly", "elk trimester"];
const MONTHLY: [&str; 2] = ["monthly", "maandelijks"];
const SIX_WEEKS: [&str; 2] = ["every six weeks", "om de zes weken"];
const TWICE_A_YEAR: [&str; 2] = ["twice a year", "twee keer per jaar"];
const YEARLY: [&str; 2] = ["yearly", "jaarlijks"];

/// What a goal on an indicator says, who takes it on and how often it is
/// looked at (evaluation by the goal's number, for variety).
fn goal_wording(indicator: &str, k: usize) -> GoalWording {
    let often = |choices: [[&'static str; 2]; 2]| choices[k % 2];
    let (goal, partner, evaluation) = match indicator {
        "problematic_rate" => (
            [
                "Fewer half days lost to problematic absence",
                "Minder halve dagen verloren door problematische afwezigheid",
            ],
            "Stad Antwerpen - Onderwijs",
            often([TERMLY, MONTHLY]),
        ),
        "pupils_from_5" => (
            [
                "Fewer pupils reach five problematic half days",
                "Minder leerlingen komen aan vijf problematisch afwezige halve dagen",
            ],
            "CLB Antwerpen",
            often([SIX_WEEKS, TERMLY]),
        ),
        "pupils_from_10" => (
            [
                "Fewer pupils with 10 or more problematic half days",
                "Minder leerlingen met 10 of meer problematisch afwezige halve dagen",
            ],
            "CLB Antwerpen",
            often([TERMLY, SIX_WEEKS]),
        ),
        "pupils_from_15" => (
            [
                "Fewer pupils with 15 or more problematic half days",
                "Minder leerlingen met 15 of meer problematisch afwezige halve dagen",
            ],
            "Stad Antwerpen - Onderwijs",
            often([TERMLY, TWICE_A_YEAR]),
        ),
        "pupils_from_30" => (
            [
                "Fewer pupils with 30 or more problematic half days",
                "Minder leerlingen met 30 of meer problematisch afwezige halve dagen",
            ],
            "Stad Antwerpen - Onderwijs",
            often([SIX_WEEKS, TERMLY]),
        ),
        "guidance_files_opened" => (
            [
                "A guidance file for every pupil from five problematic half days",
                "Een begeleidingsdossier voor elke leerling vanaf vijf problematisch afwezige halve dagen",
            ],
            "CLB Antwerpen",
            TERMLY,
        ),
        "questionnaire:safe-at-school" => (
            [
                "Pupils feel safe at school",
                "Leerlingen voelen zich veilig op school",
            ],
            "Vzw Veerkracht",
            YEARLY,
        ),
        "questionnaire:safe-around-school" => (
            [
                "Pupils feel safe on the way to and around the school",
                "Leerlingen voelen zich veilig op weg naar school en rond de school",
            ],
            if k.is_multiple_of(2) {
                "Buurtwerk De Brug"
            } else {
                "Stad Antwerpen - Mobiliteit"
            },
            YEARLY,
        ),
        "questionnaire:bullying" => (
            [
                "Less bullying as pupils experience it",
                "Minder pesten, zoals de leerlingen het ervaren",
            ],
            "Vzw Veerkracht",
            YEARLY,
        ),
        "questionnaire:belonging" => (
            [
                "Pupils feel they belong at school",
                "Leerlingen voelen zich thuis op school",
            ],
            "Jeugdwerk Samen",
            YEARLY,
        ),
        "questionnaire:teacher-support" => (
            [
                "Every pupil has a teacher to turn to",
                "Elke leerling kan bij een leerkracht terecht",
            ],
            "Stad Antwerpen - Onderwijs",
            YEARLY,
        ),
        _ => (
            [
                "Rules that are clear and the same for everybody",
                "Regels die duidelijk zijn en voor iedereen gelden",
            ],
            "Vzw Herstel",
            YEARLY,
        ),
    };
    GoalWording {
        goal,
        partner,
        evaluation,
    }
}

/// The pupils from the threshold of a `pupils_from_<threshold>` indicator.
fn pupils_from(indicator: &str, f: &SchoolFigures) -> u32 {
    let threshold: u32 = indicator
        .strip_prefix("pupils_from_")
        .and_then(|t| t.parse().ok())
        .expect("a pupils_from_ indicator");
    let at = THRESHOLDS
        .iter()
        .position(|t| *t == threshold)
        .expect("a threshold that is counted");
    f.from[at]
}

/// An indicator's value in `f`, a share between 0 and 1.
fn share(indicator: &str, f: &SchoolFigures) -> f64 {
    let of = |n: u64, total: u64| n as f64 / total.max(1) as f64;
    match indicator {
        "problematic_rate" => of(f.problematic, f.expected),
        "guidance_files_opened" => of(f.with_file.into(), f.from[0].into()),
        _ => of(pupils_from(indicator, f).into(), f.pupils.into()),
    }
}

/// A goal's target, baseline and deadline as written in the plan.
struct Aim {
    indicator: String,
    target: String,
    baseline: String,
    deadline: chrono::NaiveDate,
}

/// A goal on a truancy share from its baseline in the year the plan was
/// made: 15% lower in one school year, a quarter lower in two (an improving
/// school gets there, a worsening one does not); for guidance files, up to
/// the next 5% at least 5 points higher.
fn truancy_aim(indicator: &str, baseline: f64, deadline: chrono::NaiveDate, years: u32) -> Aim {
    let (target, baseline) = match indicator {
        "guidance_files_opened" => {
            let target = ((baseline + 0.05) * 20.0).ceil() / 20.0;
            (format!("{:.2}", target.min(1.0)), format!("{baseline:.2}"))
        }
        "problematic_rate" => {
            let factor = if years > 1 { 0.75 } else { 0.85 };
            (
                format!("{:.4}", baseline * factor),
                format!("{baseline:.4}"),
            )
        }
        _ => {
            let factor = if years > 1 { 0.75 } else { 0.85 };
            (
                format!("{:.3}", baseline * factor),
                format!("{baseline:.3}"),
            )
        }
    };
    Aim {
        indicator: indicator.to_owned(),
        target,
        baseline,
        deadline,
    }
}

/// A goal on a questionnaire scale: 5 to 10 points above its baseline (the
/// score of the last wave), by the end of the next school year.
fn questionnaire_aim(scale: &str, baseline: f64, gain: f64, deadline: chrono::NaiveDate) -> Aim {
    Aim {
        indicator: format!("questionnaire:{scale}"),
        target: format!("{:.0}", (baseline + gain).round().min(100.0)),
        baseline: format!("{baseline:.1}"),
        deadline,
    }
}

/// Pupils' answers a questionnaire baseline needs.
const MIN_ANSWERS: u32 = 40;

/// Pupils a share of pupils needs to make a goal of it.
const ENOUGH_PUPILS: u32 = 15;

/// The truancy indicator of a school's goal, `None` where too few pupils
/// truant for one: a share of pupils from a threshold that fits the school's
/// forms, or (every third goal, at secondary schools) the rate of half days.
fn truancy_indicator(school: &School, f: &SchoolFigures, k: usize) -> Option<&'static str> {
    let heavy = school.forms.iter().any(|form| {
        matches!(
            form,
            EducationForm::Vocational | EducationForm::PartTime | EducationForm::Reception
        )
    });
    let candidates: &[&'static str] = match (school.level, heavy) {
        (Level::Primary, _) => &["pupils_from_5", "pupils_from_10"],
        (Level::Secondary, true) => &["pupils_from_30", "pupils_from_15", "pupils_from_10"],
        (Level::Secondary, false) => &["pupils_from_15", "pupils_from_10", "pupils_from_5"],
    };
    let indicator = candidates
        .iter()
        .find(|c| pupils_from(c, f) >= ENOUGH_PUPILS)
        .copied()?;
    Some(if school.level == Level::Secondary && k % 3 == 2 {
        "problematic_rate"
    } else {
        indicator
    })
}

/// Goals for about eight schools of both levels (improving, worsening and
/// stable ones, so that a follow-up finds goals on track and off track) and
/// two for every local network. Truancy goals were agreed in the school
/// year before the last, on that year's figures, for the end of the last
/// year or of the year after it; questionnaire goals after the last year's
/// wave, on its scores, for the end of the next year.
/// `figures` holds each generated year's figures per school.
pub(crate) fn action_plans(
    rng: &mut ChaCha8Rng,
    schools: &[School],
    years: &[SchoolYear],
    figures: &[Vec<SchoolFigures>],
    wave: &Wave,
) -> String {
    let last = *years.last().expect("at least one year");
    let made = figures.len().saturating_sub(2);
    let end_of_last = last.last_day();
    let end_of_next = last.next().last_day();
    // A school's goal is in the school's language; a network's in Dutch,
    // with its English where a school of the city reads English.
    let english = any_english(schools);
    let mut out = String::from(
        "school_id,network,goal,indicator,target,baseline,deadline,partner,evaluation",
    );
    out.push_str(if english {
        ",language,goal_en,evaluation_en\n"
    } else {
        "\n"
    });
    let mut k = 0;
    let mut write = |out: &mut String, school: &str, network: &str, in_english: bool, aim: Aim| {
        let wording = goal_wording(&aim.indicator, k);
        k += 1;
        plan_row(out, [school, network], in_english, english, &wording, &aim);
    };

    let mut order: Vec<usize> = (0..schools.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.random_range(0..=i));
    }
    // The schools with goals, each for one of these places: three improving
    // and two worsening schools with enough truant pupils for a truancy goal,
    // two primary schools whose pupils answered the questionnaire, and one
    // stable secondary school with enough pupils from 5 half days for a goal
    // on guidance files.
    #[derive(Clone, Copy, PartialEq)]
    enum Place {
        Improving,
        Worsening,
        Primary,
        Stable,
    }
    let mut places = [
        (Place::Improving, 3),
        (Place::Worsening, 2),
        (Place::Primary, 2),
        (Place::Stable, 1),
    ];
    let mut chosen: Vec<(usize, Place)> = Vec::new();
    for s in order {
        let school = &schools[s];
        let f = &figures[made][s];
        let fits = |place: Place| match place {
            Place::Improving => {
                school.trend == Trend::Improving && truancy_indicator(school, f, 0).is_some()
            }
            Place::Worsening => {
                school.trend == Trend::Worsening && truancy_indicator(school, f, 0).is_some()
            }
            Place::Primary => {
                school.level == Level::Primary
                    && wave
                        .pupil_score(&[s], "safe-around-school", MIN_ANSWERS)
                        .is_some()
            }
            Place::Stable => {
                school.trend == Trend::Stable
                    && school.level == Level::Secondary
                    && f.from[0] >= ENOUGH_PUPILS
            }
        };
        if let Some(place) = places.iter_mut().find(|(p, left)| *left > 0 && fits(*p)) {
            place.1 -= 1;
            chosen.push((s, place.0));
        }
    }
    chosen.sort_unstable_by_key(|(s, _)| *s);
    for (i, &(s, place)) in chosen.iter().enumerate() {
        let school = &schools[s];
        let f = &figures[made][s];
        // Of the schools of a place, every other one's goal runs two years.
        let before = chosen[..i].iter().filter(|(_, p)| *p == place).count();
        let two_years = before % 2 == 1;
        let deadline = if two_years { end_of_next } else { end_of_last };
        if place == Place::Stable {
            let aim = truancy_aim(
                "guidance_files_opened",
                share("guidance_files_opened", f),
                end_of_next,
                2,
            );
            write(&mut out, &school.id, "", school.language == "en", aim);
        } else if let Some(indicator) = truancy_indicator(school, f, i) {
            let aim = truancy_aim(
                indicator,
                share(indicator, f),
                deadline,
                1 + u32::from(two_years),
            );
            write(&mut out, &school.id, "", school.language == "en", aim);
        }
        // A goal on a questionnaire scale where the school's pupils answered.
        let scales: &[&str] = match school.level {
            Level::Primary => &["safe-around-school", "bullying", "belonging"],
            Level::Secondary => &[
                "bullying",
                "teacher-support",
                "clear-rules",
                "safe-at-school",
                "belonging",
            ],
        };
        let scale = scales[i % scales.len()];
        if let Some(score) = wave.pupil_score(&[s], scale, MIN_ANSWERS) {
            let gain = if i % 2 == 0 { 5.0 } else { 8.0 };
            write(
                &mut out,
                &school.id,
                "",
                school.language == "en",
                questionnaire_aim(scale, score, gain, end_of_next),
            );
        }
    }

    for (n, name) in NETWORKS.iter().enumerate() {
        let members: Vec<usize> = (0..schools.len())
            .filter(|s| network(schools[*s].neighbourhood) == *name)
            .collect();
        if members.is_empty() {
            continue;
        }
        let mut pooled = SchoolFigures::default();
        for s in &members {
            pooled.add(&figures[made][*s]);
        }
        let indicator = [
            "pupils_from_10",
            "guidance_files_opened",
            "problematic_rate",
            "pupils_from_15",
        ][n];
        let two_years = n % 2 == 0;
        let aim = truancy_aim(
            indicator,
            share(indicator, &pooled),
            if two_years { end_of_next } else { end_of_last },
            1 + u32::from(two_years),
        );
        write(&mut out, "", name, false, aim);
        let scale = [
            "safe-around-school",
            "bullying",
            "belonging",
            "safe-around-school",
        ][n];
        if let Some(score) = wave.pupil_score(&members, scale, MIN_ANSWERS) {
            write(
                &mut out,
                "",
                name,
                false,
                questionnaire_aim(scale, score, 5.0, end_of_next),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    use mirror_model::Themes;
    use rand::SeedableRng;

    use super::*;
    use crate::city;

    fn themes() -> Themes {
        Themes::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/themes.toml"))
            .unwrap()
    }

    /// The front matter's school id and themes of a generated note.
    fn front(text: &str) -> (String, Vec<String>) {
        let value = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(key))
                .unwrap()
                .trim()
                .to_owned()
        };
        let themes = value("themes = ")
            .trim_matches(['[', ']'])
            .split(", ")
            .map(|t| t.trim_matches('"').to_owned())
            .collect();
        (value("school = ").trim_matches('"').to_owned(), themes)
    }

    #[test]
    fn every_theme_has_notes_and_offers() {
        let themes = themes();
        let mut notes: BTreeMap<&str, usize> = BTreeMap::new();
        for p in PRACTICES {
            for t in p.themes {
                assert!(themes.contains(t), "{}: {t}", p.title);
                *notes.entry(t).or_default() += 1;
            }
        }
        assert!(PRACTICES.len() >= 20);
        for t in themes.ids() {
            let wanted = match t {
                "truancy" | "bullying" | "safety" | "belonging" | "guidance" => 3,
                _ => 1,
            };
            assert!(notes.get(t).copied().unwrap_or(0) >= wanted, "notes on {t}");
            assert!(
                OFFERS
                    .iter()
                    .any(|o| o.themes.split(';').any(|theme| theme == t)),
                "no offer on {t}"
            );
        }
        for o in OFFERS {
            assert!(
                o.themes.split(';').all(|t| themes.contains(t)),
                "{}",
                o.offer
            );
            assert!(
                ["", "primary", "secondary"].contains(&o.levels),
                "{}",
                o.offer
            );
        }
        assert!(OFFERS.len() >= 14);
        let mut titles: Vec<&str> = PRACTICES.iter().map(|p| p.title).collect();
        titles.sort_unstable();
        titles.dedup();
        assert_eq!(titles.len(), PRACTICES.len(), "every note is different");
    }

    #[test]
    fn each_note_by_a_school_that_fits_and_never_twice_on_a_theme() {
        let mut rng = ChaCha8Rng::seed_from_u64(2026);
        let hoods = city::neighbourhoods(10, &mut rng);
        let schools = city::schools(40, &hoods, &mut rng).unwrap();
        let staff = staff(&mut rng, &schools);
        let year = SchoolYear::starting(2025);
        let notes = good_practices(&mut rng, &schools, &staff, year);
        assert_eq!(
            notes.len(),
            PRACTICES.len(),
            "a city of 40 has room for every note"
        );
        let mut written: Vec<(String, String)> = Vec::new();
        for ((_, text), p) in notes.iter().zip(PRACTICES) {
            let (id, themes) = front(text);
            let school = schools.iter().find(|s| s.id == id).unwrap();
            assert!(p.level.is_none_or(|l| school.level == l), "{}", p.title);
            if themes.iter().any(|t| t == "truancy" || t == "guidance") {
                assert!(low_truancy(school), "{}", p.title);
            }
            for t in themes {
                assert!(
                    !written.contains(&(id.clone(), t.clone())),
                    "{id} twice on {t}"
                );
                written.push((id.clone(), t));
            }
            assert!(!text.contains('{'), "a placeholder left in {text}");
        }
        let all: String = notes.iter().map(|(_, t)| t.as_str()).collect();
        assert!(all.contains("year = \"2023-2024\""), "a note two years old");
        assert!(
            schools.iter().any(|s| all.contains(&s.name)),
            "a note names its school"
        );
        assert!(
            schools.iter().any(|s| all.contains(street_of(s))),
            "a note names a street"
        );
        // A small city gets fewer notes, still never two on a theme.
        let few = good_practices(&mut rng, &schools[..3], &staff, year);
        assert!(!few.is_empty() && few.len() < PRACTICES.len());
    }

    /// An English school's goal is in English and says so; a Dutch
    /// school's is in Dutch; a network's is in Dutch with its English; a
    /// city without English readers writes today's columns only.
    #[test]
    fn a_goal_is_written_in_its_readers_language() {
        let aim = || Aim {
            indicator: "pupils_from_5".to_owned(),
            target: "0.10".to_owned(),
            baseline: "0.12".to_owned(),
            deadline: chrono::NaiveDate::from_ymd_opt(2027, 6, 30).unwrap(),
        };
        let wording = goal_wording("pupils_from_5", 0);
        let row = |scope: [&str; 2], in_english: bool, english: bool| {
            let mut out = String::new();
            plan_row(&mut out, scope, in_english, english, &wording, &aim());
            out
        };
        assert_eq!(
            row(["100001", ""], true, true),
            "100001,,Fewer pupils reach five problematic half days,pupils_from_5,0.10,0.12,2027-06-30,CLB Antwerpen,every six weeks,en,,\n"
        );
        assert_eq!(
            row(["100002", ""], false, true),
            "100002,,Minder leerlingen komen aan vijf problematisch afwezige halve dagen,pupils_from_5,0.10,0.12,2027-06-30,CLB Antwerpen,om de zes weken,,,\n"
        );
        assert_eq!(
            row(["", "LOP Noord"], false, true),
            ",LOP Noord,Minder leerlingen komen aan vijf problematisch afwezige halve dagen,pupils_from_5,0.10,0.12,2027-06-30,CLB Antwerpen,om de zes weken,,Fewer pupils reach five problematic half days,every six weeks\n"
        );
        assert_eq!(
            row(["", "LOP Noord"], false, false),
            ",LOP Noord,Minder leerlingen komen aan vijf problematisch afwezige halve dagen,pupils_from_5,0.10,0.12,2027-06-30,CLB Antwerpen,om de zes weken\n"
        );
    }

    #[test]
    fn offers_are_csv_with_a_contact_on_some() {
        let csv = support_offers(true);
        let mut lines = csv.lines();
        assert_eq!(
            lines.next(),
            Some("organisation,offer,themes,levels,how_to_ask,contact,offer_en,how_to_ask_en")
        );
        let rows: Vec<&str> = lines.collect();
        assert_eq!(rows.len(), OFFERS.len());
        assert!(
            rows.iter().any(|r| r.contains(",,")),
            "an offer without a contact"
        );
        assert!(rows.iter().any(|r| r.contains("@antwerpen.be")));
        // A field with a comma is quoted.
        assert!(rows.iter().any(|r| r.contains(
            "\"Veilig naar school: een routecheck met de kinderen, te voet naar school in groep en een schoolstraat aan de poort\",safety;parents"
        )));
    }
}
