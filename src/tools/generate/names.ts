/** The people: first and last names (which also feed the e-mail addresses) and the first_name column. */
import { csvField } from '../../formats/csv/text-field.js';
import type { Prng } from './prng.js';
import { cumulative } from './draw.js';
import { P } from './mix.js';

export const FIRST_NAMES: readonly string[] = [
  'James', 'Mary', 'John', 'Patricia', 'Robert', 'Jennifer', 'Michael', 'Linda', 'William',
  'Elizabeth', 'David', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah',
  'Charles', 'Karen', 'Christopher', 'Nancy', 'Daniel', 'Lisa', 'Matthew', 'Betty', 'Anthony',
  'Margaret', 'Mark', 'Sandra', 'Donald', 'Ashley', 'Steven', 'Kimberly', 'Paul', 'Emily',
  'Andrew', 'Donna', 'Joshua', 'Michelle', 'Kenneth', 'Dorothy', 'Kevin', 'Carol', 'Brian',
  'Amanda', 'George', 'Melissa', 'Edward', 'Deborah', 'Ronald', 'Stephanie', 'Timothy', 'Rebecca',
  'Jason', 'Sharon', 'Jeffrey', 'Laura', 'Ryan', 'Cynthia', 'Jacob', 'Kathleen', 'Gary', 'Amy',
  'Nicholas', 'Angela', 'Eric', 'Shirley', 'Jonathan', 'Anna', 'Stephen', 'Brenda', 'Larry',
  'Pamela', 'Justin', 'Emma', 'Scott', 'Nicole', 'Brandon', 'Helen', 'Benjamin', 'Samantha',
  'Samuel', 'Katherine', 'Olivia', 'Noah', 'Liam', 'Sophia', 'Mia', 'Lucas', 'Oliver', 'Harry',
  'Amelia', 'Isla', 'Jack', 'Freddie', 'Pierre', 'Camille', 'Louis', 'Manon', 'Hugo', 'Julie',
  'Lukas', 'Leon', 'Hannah', 'Lena', 'Felix', 'Marie', 'Giulia', 'Marco', 'Francesca', 'Luca',
  'Alessandro', 'Chiara', 'Carlos', 'Lucia', 'Javier', 'Carmen', 'Pablo', 'Sofia', 'Daan',
  'Sem', 'Julia', 'Fleur', 'Aarav', 'Priya', 'Rahul', 'Ananya', 'Vikram', 'Deepika', 'Gabriel',
  'Ana', 'Matheus', 'Beatriz', 'Rafael', 'Larissa', 'Jack', 'Chloe', 'Mitchell', 'Haruto',
  'Yui', 'Sota', 'Hina', 'Ren', 'Yuki', 'Wei', 'Mohammed', 'Fatima', 'Omar', 'Aisha', 'Ivan',
  'Olga', 'Kwame', 'Ngozi', 'Mei', 'Jin', 'Seo-yeon', 'Anne-Marie', "D'Andre", "O'Neil",
];

/** Non-ASCII first names and an ASCII folding used to build their e-mail addresses. */
export const NON_ASCII_NAMES: ReadonlyArray<readonly [display: string, folded: string]> = [
  ['Zoë', 'zoe'], ['José', 'jose'], ['Łukasz', 'lukasz'], ['Björn', 'bjorn'],
  ['François', 'francois'], ['Søren', 'soren'], ['Renée', 'renee'], ['Jürgen', 'jurgen'],
  ['Ángel', 'angel'], ['Çağla', 'cagla'], ['Chloé', 'chloe'], ['Noémie', 'noemie'],
  ['Mårten', 'marten'], ['Åsa', 'asa'], ['Jörg', 'jorg'], ['Małgorzata', 'malgorzata'],
  ['Øyvind', 'oyvind'], ['Siân', 'sian'], ['Raúl', 'raul'], ['Iñaki', 'inaki'],
  ['João', 'joao'], ['Zoltán', 'zoltan'], ['Anaïs', 'anais'], ['Hélène', 'helene'],
  ['Léa', 'lea'], ['Ève', 'eve'], ['Dvořáček', 'dvoracek'], ['Şule', 'sule'],
  ['翔太', 'shota'], ['陽菜', 'hina'], ['Дмитрий', 'dmitry'], ['Ольга', 'olga'],
  ['Αλέξανδρος', 'alexandros'], ['अर्जुन', 'arjun'], ['Thérèse', 'therese'], ['Bjørn', 'bjorn'],
];

const LAST_NAMES: readonly string[] = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez',
  'Martinez', 'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore',
  'Jackson', 'Martin', 'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark',
  'Ramirez', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres',
  'Nguyen', 'Hill', 'Flores', 'Green', 'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell',
  'Mitchell', 'Carter', 'Roberts', 'Doe', 'Dubois', 'Bernard', 'Muller', 'Schmidt', 'Schneider',
  'Fischer', 'Rossi', 'Russo', 'Ferrari', 'Fernandez', 'Jansen', 'deVries', 'Patel', 'Sharma',
  'Singh', 'Silva', 'Santos', 'Oliveira', 'Sato', 'Suzuki', 'Takahashi', 'Tanaka', 'Kim', 'Park',
  'Chen', 'Wang', 'Kowalski', 'Novak', 'Okafor', 'Murphy', 'Kelly', 'OBrien', 'Cohen',
];
export const LAST_NAMES_LC: readonly string[] = LAST_NAMES.map((s) => s.toLowerCase());
export const FIRST_NAMES_LC: readonly string[] = FIRST_NAMES.map((s) => s.toLowerCase().replace(/[^a-z]/g, ''));

const NICKNAMES: readonly string[] = ['JJ', 'Bob', 'Kiki', 'Bud', 'Doc', 'Ace', 'Red', 'Sunny', 'Mac', 'Liz'];
const SUFFIXES: readonly string[] = ['Jr.', 'Sr.', 'III', 'PhD', 'MD'];

/** The first_name field, already CSV-quoted where needed. */
export function firstNameField(r: Prng, kind: number, first: string, nonAscii: string): string {
  // kind: 0 plain, 1 non-ASCII, 2 comma, 3 quote, 4 line break, 5 empty
  switch (kind) {
    case 0: return first;
    case 1: return nonAscii;
    case 2: {
      const k = r.int(3);
      const last = LAST_NAMES[r.int(LAST_NAMES.length)] as string;
      const v = k === 0 ? `${last}, ${first}` : k === 1 ? `${first}, ${SUFFIXES[r.int(SUFFIXES.length)]}` : `${first},`;
      return csvField(v);
    }
    case 3: {
      const nick = NICKNAMES[r.int(NICKNAMES.length)] as string;
      const k = r.int(3);
      const v =
        k === 0 ? `${first.slice(0, 2)} "${nick}" ${LAST_NAMES[r.int(LAST_NAMES.length)]}` : k === 1 ? `${first} "${nick}"` : `"${first}"`;
      return csvField(v);
    }
    case 4: {
      const nl = r.chance(P.nameLineBreakCrlfGivenLineBreak) ? '\r\n' : '\n';
      const k = r.int(3);
      const v =
        k === 0
          ? first + nl + (FIRST_NAMES[r.int(FIRST_NAMES.length)] as string)
          : k === 1
            ? first + nl + (LAST_NAMES[r.int(LAST_NAMES.length)] as string)
            : first + nl;
      return csvField(v);
    }
    default: return '';
  }
}

/** Kinds in firstNameField's order: plain, non-ASCII, comma, quote, line break, empty. */
export const NAME_KIND_CUM: Float64Array = cumulative([
  1 - P.nameNonAscii - P.nameComma - P.nameQuote - P.nameLineBreak - P.nameEmpty,
  P.nameNonAscii,
  P.nameComma,
  P.nameQuote,
  P.nameLineBreak,
  P.nameEmpty,
]);
