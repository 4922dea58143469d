/**
 * LinkedIn (linkedin.com with www. and country subdomains; lnkd.in short links). Knows:
 * - posts: /posts/{slug}-activity-{digits}-{xxxx} (also -ugcPost- and -share- slugs);
 * - /feed/update/urn:li:{activity|ugcPost|share}:{digits}/ and its embed /embed/feed/update/urn:li:…;
 * - live videos /video/live/urn:li:ugcPost:{digits} and /video/event/urn:li:ugcPost:{digits};
 * - events /events/{slug-with-digits}/;
 * - Learning: /learning/{course}/{video} (id `course/video`) and a course /learning/{course};
 * - lnkd.in/{x} short links (resolved first).
 * The id of a post is its digits; extra.urn says which URN type (activity, ugcPost, share) named it.
 */
import { hostIn, hostIs, matched, pathSegments, type Match, type Platform, type UrlExample } from './base.js';

const NAME = 'linkedin';
const HOSTS = ['linkedin.com', 'lnkd.in'] as const;

const URN_RE = /^urn:li:(activity|ugcPost|share):(\d+)$/;
/** A post slug ends in `-{urn type}-{digits}-{4-char tracking suffix}`. */
const POST_SLUG_RE = /-(?:(activity|ugcPost|share)-)?(\d{15,20})-[\w-]{4}$/;
const EVENT_RE = /^[\w-]*\d{15,20}$/;
const SLUG_RE = /^[\w-]+$/;
/** /learning/… pages that are not courses. */
const LEARNING_PAGES = new Set(['browse', 'search', 'me', 'paths', 'topics', 'instructors', 'subscription', 'collections', 'login', 'certificates']);

const EXAMPLES: readonly UrlExample[] = [
  { url: 'https://www.linkedin.com/posts/the-mathworks_2_what-is-mathworks-cloud-center-activity-7151241570371948544-4Gu7', id: '7151241570371948544', kind: 'post' },
  { url: 'https://www.linkedin.com/posts/mishalkhawaja_sendinblueviews-toronto-digitalmarketing-ugcPost-6850898786781339649-mM20', id: '6850898786781339649', kind: 'post' },
  { url: 'https://uk.linkedin.com/posts/satyanadella_ai-activity-7195823102981169152-Wd9A/?utm_source=share', id: '7195823102981169152', kind: 'post' },
  { url: 'https://www.linkedin.com/feed/update/urn:li:activity:7016901149999955968/?utm_source=share&utm_medium=member_desktop', id: '7016901149999955968', kind: 'post' },
  { url: 'https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A7016901149999955968', id: '7016901149999955968', kind: 'post' },
  { url: 'https://linkedin.com/feed/update/urn:li:ugcPost:6850898786781339649/', id: '6850898786781339649', kind: 'post' },
  { url: 'https://www.linkedin.com/feed/update/urn:li:share:7130000000000000000', id: '7130000000000000000', kind: 'post' },
  { url: 'https://www.linkedin.com/embed/feed/update/urn:li:ugcPost:7151241569553985536', id: '7151241569553985536', kind: 'post' },
  { url: 'https://www.linkedin.com/video/live/urn:li:ugcPost:7077317046716203008/', id: '7077317046716203008', kind: 'live' },
  { url: 'https://www.linkedin.com/events/7084656651378536448/comments/', id: '7084656651378536448', kind: 'event' },
  { url: 'https://www.linkedin.com/events/27-02energyfreedombyenergyclub7295762520814874625/comments/', id: '27-02energyfreedombyenergyclub7295762520814874625', kind: 'event' },
  { url: 'https://www.linkedin.com/learning/programming-foundations-fundamentals/welcome?autoplay=true', id: 'programming-foundations-fundamentals/welcome', kind: 'video' },
  { url: 'https://www.linkedin.com/learning/programming-foundations-fundamentals', id: 'programming-foundations-fundamentals', kind: 'playlist' },
  { url: 'https://lnkd.in/gJd2ZqX5', id: null },
  { url: 'https://www.linkedin.com/feed/', id: false },
  { url: 'https://www.linkedin.com/in/satyanadella/', id: false },
  { url: 'https://www.linkedin.com/learning/search?keywords=python', id: false },
  { url: 'https://www.linkedin.com/feed/update/urn:li:fsd_profile:ACoAAA/', id: false },
  { url: 'https://linkedin.com.evil.net/posts/x-activity-7151241570371948544-4Gu7', id: false },
  { url: 'https://notlinkedin.com/feed/update/urn:li:activity:7016901149999955968/', id: false },
];

/** A post or live video named by its URN. */
function fromUrn(url: URL, urn: string | undefined, kind: string): Match | null {
  const m = urn ? URN_RE.exec(urn) : null;
  return m ? matched(NAME, url, m[2]!, kind, { urn: m[1]! }) : null;
}

/** /posts/{slug}: the digits at the end of the slug. */
function fromPostSlug(url: URL, slug: string | undefined): Match | null {
  const m = slug ? POST_SLUG_RE.exec(slug) : null;
  if (!m) return null;
  return matched(NAME, url, m[2]!, 'post', m[1] ? { urn: m[1] } : undefined);
}

/** LinkedIn Learning: a course or one of its videos. */
function fromLearning(url: URL, course: string | undefined, video: string | undefined): Match | null {
  if (!course || !SLUG_RE.test(course) || LEARNING_PAGES.has(course)) return null;
  if (!video) return matched(NAME, url, course, 'playlist');
  return SLUG_RE.test(video) ? matched(NAME, url, `${course}/${video}`, 'video', { course }) : null;
}

/** LinkedIn posts, live videos, events and Learning videos. */
export const linkedin: Platform = {
  name: NAME,
  hosts: HOSTS,
  examples: EXAMPLES,

  match(url: URL): Match | null {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    if (!hostIn(url.hostname, HOSTS)) return null;
    const segments = pathSegments(url);
    if (hostIs(url.hostname, 'lnkd.in')) return segments.length === 1 ? matched(NAME, url, null) : null;
    const path = segments[0] === 'embed' ? segments.slice(1) : segments;
    const [a, b, c] = path;
    if (a === 'feed' && b === 'update') return fromUrn(url, c, 'post');
    if (segments[0] === 'embed') return null;
    if (a === 'posts') return fromPostSlug(url, b);
    if (a === 'video' && (b === 'live' || b === 'event')) return fromUrn(url, c, 'live');
    if (a === 'events' && b && EVENT_RE.test(b)) return matched(NAME, url, b, 'event');
    if (a === 'learning' && path.length <= 3) return fromLearning(url, b, c);
    return null;
  },
};
