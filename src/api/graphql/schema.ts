/** The GraphQL schema (SDL). Types mirror the REST shapes; maps become lists of named entries. */
export const typeDefs = /* GraphQL */ `
  "Offline detection of one input, as dlbot detect prints it."
  type Detection {
    input: String!
    platform: String
    id: String
    needsResolve: Boolean
    kind: String
    "link.invalid or link.unsupported"
    error: String
  }

  type Format {
    id: String!
    url: String
    protocol: String!
    container: String
    vcodec: String
    acodec: String
    width: Int
    height: Int
    fps: Float
    bitrateKbps: Float
    filesizeBytes: Float
    filesizeApprox: Boolean
    dynamicRange: String
    watermarked: Boolean
    image: Boolean
    language: String
    note: String
  }

  type MediaInfo {
    platform: String!
    id: String!
    url: String!
    title: String
    uploader: String
    durationSec: Float
    thumbnail: String
    description: String
    tags: [String!]
    timestamp: Float
    viewCount: Float
    likeCount: Float
    formats: [Format!]!
    "Carousel items, playlist videos or thread posts."
    entries: [MediaInfo!]
    entriesTotal: Int
    live: Boolean
    ageLimit: Int
  }

  type JobRequest {
    quality: String!
    audioFormat: String
    noWatermark: Boolean
  }

  type JobProgress {
    "extract, download, process or done"
    stage: String!
    item: Int!
    items: Int!
    downloadedBytes: Float!
    totalBytes: Float
    percent: Float
  }

  type JobError {
    at: String!
    code: String!
    message: String!
    attempt: Int!
  }

  type JobFile {
    index: Int!
    name: String!
    kind: String!
    container: String!
    sizeBytes: Float!
    durationSec: Float
    width: Int
    height: Int
    "Path to GET the file from (supports Range)."
    url: String!
  }

  type JobResult {
    platform: String!
    mediaId: String!
    title: String
    files: [JobFile!]!
  }

  type Job {
    id: ID!
    "queued, running, done, cancelled or dead"
    state: String!
    position: Int
    url: String!
    request: JobRequest!
    attempts: Int!
    maxAttempts: Int!
    progress: JobProgress
    errors: [JobError!]!
    result: JobResult
    createdAt: String!
    updatedAt: String!
  }

  type JobTicket {
    id: ID!
    state: String!
    position: Int
  }

  type Platform {
    name: String!
    enabled: Boolean!
    native: Boolean!
    "closed, open or half-open"
    circuit: String!
  }

  type SystemStatus {
    state: String!
    uptime: String!
    memoryUsage: String!
    uptimeSec: Float!
    rssBytes: Float!
    memoryLimitBytes: Float!
    memoryPercent: Float!
  }

  type DownloadStats {
    total: Int!
    successRate: Float!
    avgDurationMs: Float!
    bytes: Float!
  }

  type PlatformStats {
    name: String!
    success: Int!
    failed: Int!
  }

  type QueueCounts {
    queued: Int!
    running: Int!
    done: Int!
    cancelled: Int!
    dead: Int!
  }

  type CacheStats {
    hits: Float!
    misses: Float!
    evictions: Float!
    hitRate: Float!
  }

  type Circuit {
    platform: String!
    state: String!
  }

  type RecentError {
    at: Float!
    platform: String!
    code: String!
  }

  type HistoryPoint {
    at: Float!
    success: Int!
    failed: Int!
  }

  type Dashboard {
    system: SystemStatus!
    downloads: DownloadStats!
    platforms: [PlatformStats!]!
    queue: QueueCounts!
    cache: CacheStats!
    circuits: [Circuit!]!
    recentErrors: [RecentError!]!
    history: [HistoryPoint!]!
  }

  input CreateJobInput {
    url: String!
    "best, worst, 2160p, 1440p, 1080p, 720p, 480p, 360p or audio"
    quality: String
    audio: Boolean
    "m4a or mp3"
    audioFormat: String
    noWatermark: Boolean
  }

  type Query {
    detect(urls: [String!]!): [Detection!]!
    info(url: String!): MediaInfo!
    "null when there is no such job (or it belongs to another key)"
    job(id: ID!): Job
    platforms: [Platform!]!
    dashboard: Dashboard!
  }

  type Mutation {
    createJob(input: CreateJobInput!): JobTicket!
    cancelJob(id: ID!): Job!
  }

  type Subscription {
    "The job now, then on every progress event and state change, until it is done, cancelled or dead."
    jobProgress(id: ID!): Job!
  }
`;
