// The search benchmark's customer base, written into sb_bench by set-based SQL (generate_series, no row
// by row from Node): customers with names in several scripts, a phone and an email each, conversations on
// every channel, and messages and notes drawn from templates with products, order numbers and cities, so
// words range from very common ("order") through under 1% of messages ("kettle") to one or two ("#481213").
import type pg from "pg";


const FIRST = [
  ["Ana", "ana"], ["José", "jose"], ["María", "maria"], ["Luis", "luis"], ["Carmen", "carmen"], ["Pedro", "pedro"],
  ["John", "john"], ["Mary", "mary"], ["James", "james"], ["Linda", "linda"], ["Robert", "robert"], ["Susan", "susan"],
  ["Michael", "michael"], ["Karen", "karen"], ["David", "david"], ["Nancy", "nancy"], ["Emma", "emma"], ["Oliver", "oliver"],
  ["Sophie", "sophie"], ["Lukas", "lukas"], ["Jürgen", "juergen"], ["Zoë", "zoe"], ["François", "francois"], ["Chloé", "chloe"],
  ["Priya", "priya"], ["Arjun", "arjun"], ["Wei", "wei"], ["Mei", "mei"], ["Kenji", "kenji"], ["Yuki", "yuki"],
  ["Fatima", "fatima"], ["Omar", "omar"], ["Aisha", "aisha"], ["Ivan", "ivan"], ["Olga", "olga"], ["Sven", "sven"],
  ["Иван", "ivan"], ["Ольга", "olga"], ["Дмитрий", "dmitry"], ["Наталья", "natalya"], ["Γιώργος", "giorgos"], ["Ελένη", "eleni"],
  ["太郎", "taro"], ["花子", "hanako"], ["伟", "wei"], ["芳", "fang"], ["محمد", "mohammed"], ["فاطمة", "fatima"],
  ["Noah", "noah"], ["Liam", "liam"], ["Ava", "ava"], ["Mia", "mia"], ["Ethan", "ethan"], ["Isabella", "isabella"],
  ["Lucas", "lucas"], ["Amelia", "amelia"], ["Mateo", "mateo"], ["Valentina", "valentina"], ["Hugo", "hugo"], ["Léa", "lea"],
];
const LAST = [
  ["García", "garcia"], ["López", "lopez"], ["Martínez", "martinez"], ["Rodríguez", "rodriguez"], ["Hernández", "hernandez"],
  ["Smith", "smith"], ["Johnson", "johnson"], ["Williams", "williams"], ["Brown", "brown"], ["Jones", "jones"], ["Miller", "miller"],
  ["Davis", "davis"], ["Wilson", "wilson"], ["Anderson", "anderson"], ["Taylor", "taylor"], ["Thomas", "thomas"], ["Moore", "moore"],
  ["Martin", "martin"], ["Jackson", "jackson"], ["White", "white"], ["Harris", "harris"], ["Clark", "clark"], ["Lewis", "lewis"],
  ["Müller", "mueller"], ["Schmidt", "schmidt"], ["Schneider", "schneider"], ["Fischer", "fischer"], ["Dubois", "dubois"],
  ["Lefèvre", "lefevre"], ["Moreau", "moreau"], ["Rossi", "rossi"], ["Bianchi", "bianchi"], ["Kowalski", "kowalski"],
  ["Nowak", "nowak"], ["Andersson", "andersson"], ["Nielsen", "nielsen"], ["O'Brien", "obrien"], ["Murphy", "murphy"],
  ["Patel", "patel"], ["Sharma", "sharma"], ["Singh", "singh"], ["Chen", "chen"], ["Wang", "wang"], ["Li", "li"],
  ["Tanaka", "tanaka"], ["Suzuki", "suzuki"], ["Kim", "kim"], ["Park", "park"], ["Nguyen", "nguyen"], ["Tran", "tran"],
  ["Петров", "petrov"], ["Смирнова", "smirnova"], ["Иванов", "ivanov"], ["Παπαδόπουλος", "papadopoulos"], ["山田", "yamada"],
  ["佐藤", "sato"], ["王", "wang"], ["李", "li"], ["الحسن", "alhassan"], ["Haddad", "haddad"],
];
const PRODUCTS = [
  "kettle", "toaster", "blender", "mixer", "juicer", "grinder", "espresso", "teapot", "skillet", "wok", "saucepan", "steamer",
  "vacuum", "mop", "humidifier", "heater", "fan", "purifier", "lamp", "lantern", "charger", "cable", "adapter", "headphones",
  "speaker", "keyboard", "mouse", "monitor", "webcam", "router", "printer", "scanner", "tablet", "stylus", "backpack", "suitcase",
  "umbrella", "jacket", "sweater", "scarf", "gloves", "boots", "sneakers", "sandals", "watch", "bracelet", "necklace", "earrings",
  "wallet", "belt", "mattress", "pillow", "duvet", "blanket", "curtains", "rug", "armchair", "sofa", "bookshelf", "desk",
  "stroller", "crib", "bicycle", "helmet", "tent", "sleepingbag", "thermos", "bottle", "yogamat", "dumbbells", "treadmill", "drone",
  "camera", "tripod", "lens", "projector", "turntable", "guitar", "ukulele", "drumsticks", "easel", "paints", "puzzle", "boardgame",
];
const CITIES = ["Madrid", "Lisbon", "Berlin", "Paris", "Lyon", "Milan", "Warsaw", "Dublin", "Austin", "Denver", "Seattle", "Toronto", "Osaka", "Seoul", "Mumbai", "Cairo"];
// %1$s product, %2$s order number, %3$s city.
const TEMPLATES = [
  "Hi, my order #%2$s has not arrived yet. Can you check the tracking please?",
  "The %1$s I received is broken, I would like a refund or a replacement.",
  "Hello! Is the %1$s back in stock? I want to order two.",
  "I was charged twice for order #%2$s, please help.",
  "Thanks, the new %1$s works perfectly now.",
  "Can I change the delivery address of order #%2$s to our office in %3$s?",
  "Where is your shop in %3$s? I want to return a %1$s.",
  "The courier left the parcel with a neighbour, order #%2$s.",
  "Does the %1$s come with a warranty? Mine stopped working after a month.",
  "Please cancel order #%2$s, I found the %1$s cheaper elsewhere.",
  "We have sent a prepaid return label for your %1$s.",
  "Your refund for order #%2$s has been issued; it takes 3 to 5 days.",
  "Sorry for the delay, your %1$s ships from %3$s tomorrow.",
  "Could you send me the invoice for order #%2$s?",
  "I love the %1$s! Do you also sell it in blue?",
  "The discount code did not work at checkout for the %1$s.",
  "Customer called about a missing part of the %1$s; sent a spare (order #%2$s).",
  "Asked for a callback after 5 pm about the %1$s.",
];
export const SEARCH_SEED_AREA_CODES = ["212", "213", "305", "312", "408", "415", "503", "512", "617", "646", "702", "713", "718", "720", "773", "786", "818", "917", "929", "206"];
const DOMAINS = ["example.com", "mail.example.net", "example.org", "inbox.example.test"];

export interface SearchSeedOptions {
  customers: number;
  messages: number;
  /** Conversations per customer on average. */
  conversationsPerCustomer: number;
}

export interface SearchSeed {
  customers: number;
  identities: number;
  conversations: number;
  messages: number;
  merged: number;
  seconds: Record<string, number>;
}

/** Names, products and so on as SQL arrays: the seed picks from them by arithmetic on the row number. */
// Customer g has the id md5('customer' || g): identities, conversations and merges find them by arithmetic.
const CUSTOMER_ROWS = `(SELECT md5('customer' || n)::uuid AS id, n FROM generate_series(1, $5::int) n) c`;

function arrays() {
  return [FIRST.map((f) => f[0]), FIRST.map((f) => f[1]), LAST.map((l) => l[0]), LAST.map((l) => l[1]), PRODUCTS, CITIES, TEMPLATES, SEARCH_SEED_AREA_CODES, DOMAINS];
}

export async function seedSearchData(pool: pg.Pool, o: SearchSeedOptions, log: (l: string) => void): Promise<SearchSeed> {
  const seconds: Record<string, number> = {};
  const timed = async (what: string, sql: string, params?: unknown[]) => {
    const t0 = performance.now();
    // No parameters: the simple protocol, which also runs several statements (SET …; CREATE INDEX …).
    const res = params ? await pool.query(sql, params) : ((await pool.query(sql)) as unknown as pg.QueryResult | pg.QueryResult[]);
    const rowCount = Array.isArray(res) ? 0 : res.rowCount;
    seconds[what] = (performance.now() - t0) / 1000;
    log(`  ${what}: ${rowCount ?? 0} rows in ${seconds[what]!.toFixed(1)} s`);
    return { rowCount };
  };
  const [firstNames, firstAscii, lastNames, lastAscii, products, cities, templates, areas, domains] = arrays();
  const nConversations = Math.round(o.customers * o.conversationsPerCustomer);

  // Customers: first × last name (some share a name, as people do); 1% merged away into the next one.
  await timed(
    "customers",
    `INSERT INTO customers (id, display_name, tier, tier_source, created_at)
     SELECT md5('customer' || g)::uuid, ($1::text[])[1 + (g * 7) % cardinality($1::text[])] || ' ' || ($2::text[])[1 + (g * 13 + g / 997) % cardinality($2::text[])],
            (CASE WHEN g % 10 = 0 THEN 'platinum' WHEN g % 10 < 3 THEN 'gold' ELSE 'standard' END)::"CustomerTier", 'set',
            now() - (g % 700) * interval '1 day'
       FROM generate_series(1, $3::int) g`,
    [firstNames, lastNames, o.customers],
  );

  // A phone (valid US numbers, all distinct) and an email each, as identities are stored: E.164, lower-cased.
  await timed(
    "identities",
    `INSERT INTO identities (customer_id, kind, value, verified, source)
     SELECT c.id, 'phone'::"IdentityKind", '+1' || ($1::text[])[1 + c.n % cardinality($1::text[])] || (2000000 + (c.n * 7) % 7999999)::text, true, 'bench'
       FROM ${CUSTOMER_ROWS}
     UNION ALL
     SELECT c.id, 'email'::"IdentityKind", ($2::text[])[1 + (c.n * 7) % cardinality($2::text[])] || '.' || ($3::text[])[1 + (c.n * 13 + c.n / 997) % cardinality($3::text[])]
                           || c.n::text || '@' || ($4::text[])[1 + c.n % cardinality($4::text[])], false, 'bench'
       FROM ${CUSTOMER_ROWS}`,
    [areas, firstAscii, lastAscii, domains, o.customers],
  );

  await timed(
    "conversations",
    `INSERT INTO conversations (id, customer_id, channel, status, customer_address, last_message_at, created_at, resolved_at)
     SELECT md5('conversation' || g)::uuid, md5('customer' || (1 + (g * 7919) % $2::int))::uuid, (ARRAY['sms','email','chat','voice'])[1 + g % 4]::"Channel",
            'resolved', 'bench-customer', now() - (g % 500000) * interval '1 minute', now() - (g % 500000 + 60) * interval '1 minute', now()
       FROM generate_series(1, $1::int) g`,
    [nConversations, o.customers],
  );

  // The messages' secondary indexes (the migrations' own, read back from the database) are dropped for the bulk
  // insert and built again after it: much faster than 2,000,000 inserts into each.
  const { rows: messageIndexes } = await pool.query<{ name: string; definition: string }>(
    `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE i.indrelid = 'messages'::regclass AND NOT i.indisprimary`,
  );
  for (const ix of messageIndexes) await pool.query(`DROP INDEX ${ix.name}`);
  // Messages: inbound and outbound text, one in 12 a note, one in 20 a system event (not searched).
  await timed(
    "messages",
    `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status, created_at, author_agent_id)
     SELECT cv.id, cv.customer_id, cv.channel,
            (CASE WHEN g % 20 = 0 THEN 'internal' WHEN g % 12 = 0 THEN 'internal' WHEN g % 2 = 0 THEN 'outbound' ELSE 'inbound' END)::"MessageDirection",
            (CASE WHEN g % 20 = 0 THEN 'event' WHEN g % 12 = 0 THEN 'note' ELSE 'text' END)::"MessageKind",
            CASE WHEN g % 20 = 0 THEN 'Conversation resolved'
                 ELSE format(($1::text[])[1 + (g * 31) % cardinality($1::text[])], ($2::text[])[1 + (g * 17 + g / 1009) % cardinality($2::text[])],
                             (100000 + (g * 37) % 900000)::text, ($3::text[])[1 + g % cardinality($3::text[])]) END,
            (CASE WHEN g % 2 = 0 THEN 'sent' ELSE 'received' END)::"MessageStatus",
            now() - (g % 600000) * interval '1 minute', NULL
       FROM generate_series(1, $4::int) g JOIN conversations cv ON cv.id = md5('conversation' || (1 + (g::bigint * 104729) % $5::int))::uuid`,
    [templates, products, cities, o.messages, nConversations],
  );

  await timed("messages' indexes", `SET maintenance_work_mem = '256MB'; ${messageIndexes.map((ix) => `${ix.definition};`).join(" ")} RESET maintenance_work_mem;`);

  const merged = await timed(
    "merged",
    `UPDATE customers c SET merged_into_id = md5('customer' || (g + 1))::uuid FROM generate_series(100, $1::int - 1, 100) g
      WHERE c.id = md5('customer' || g)::uuid`,
    [o.customers],
  );
  const t0 = performance.now();
  await pool.query(`VACUUM ANALYZE customers, identities, conversations, messages`);
  seconds.analyze = (performance.now() - t0) / 1000;
  log(`  vacuum analyze: ${seconds.analyze.toFixed(1)} s`);
  const { rows } = await pool.query<{ i: number }>(`SELECT count(*)::int AS i FROM identities`);
  return { customers: o.customers, identities: rows[0]!.i, conversations: nConversations, messages: o.messages, merged: merged.rowCount ?? 0, seconds };
}
