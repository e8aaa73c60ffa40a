// The page's interface strings in Chinese (the default) and English. Static elements name
// their string with `data-i18n` (inner HTML), `data-i18n-label` (aria-label) or
// `data-i18n-placeholder`; scripts call `t(key, …args)`. Data from the server (names,
// labels such as `state_label`) stays as the server sends it, in Chinese.

const KEY = 'minsheng.lang';

// key: [Chinese, English]; a function takes the arguments `t` is given.
const DICT = {
  title: ['民生 · 小区治理地图', 'Minsheng · compound governance map'],
  langToggle: ['English', '中文'],
  langToggleLabel: ['切换到英文 Switch to English', '切换到中文 Switch to Chinese'],
  tabResident: ['居民 <small>Resident</small>', 'Resident'],
  tabPlanner: ['规划 <small>Planner</small>', 'Planner'],
  tabCoverage: ['覆盖 <small>Official</small>', 'Official'],
  tabStaff: ['工作台 <small>Staff</small>', 'Staff'],
  mapResident: ['地图：点击查询所在楼栋、网格和联系人', 'Map: click to find the building, grid and contacts'],
  mapPlanner: ['地图：问题热力图与六边形统计，点击六边形查看数值', 'Map: heat map and hexagons of reported problems; click a hexagon for its figures'],
  mapCoverage: ['地图：服务站点的生活圈等时圈与楼栋到站点的距离，点击楼栋查看距离', 'Map: isochrones of the stations and each building’s walk to the nearest; click a building'],
  mapStaff: ['地图：所选案件的位置', 'Map: where the chosen cases are'],
  searchLabel: ['搜索小区、楼栋或服务站点', 'Search compounds, buildings or stations'],
  searchPlaceholder: ['搜索小区、楼栋、站点', 'Compound, building, station'],
  search: ['搜索', 'Search'],
  whereAmI: ['定位到我的位置 <small>Where am I</small>', 'Where am I'],
  whereAmILabel: ['定位到我的位置 Where am I', 'Where am I: locate me'],
  geoLocating: ['正在获取您的位置…', 'Finding your position…'],
  geoUnsupported: ['此浏览器不支持定位；请点击地图上您的位置。', 'This browser cannot give a position; click your place on the map.'],
  geoDenied: ['未获准使用位置；请在浏览器设置中允许，或点击地图上您的位置。', 'Location permission was denied; allow it in the browser, or click your place on the map.'],
  geoFailed: (m) => [`无法获取位置（${m}）；请点击地图上您的位置。`, `Could not get your position (${m}); click your place on the map.`],
  geoAccuracy: (m) => [`已定位，精度约 ${m} 米`, `Located, accurate to about ${m} m`],
  noHits: ['没有找到匹配的小区、楼栋或站点', 'No compound, building or station matches'],
  searchFailed: (m) => [`搜索失败：${m}`, `Search failed: ${m}`],
  layersLegend: ['图层与图例 <small>Layers &amp; legend</small>', 'Layers &amp; legend'],
  layerNames: [{ compounds: '小区', buildings: '楼栋', stations: '服务站点' }, { compounds: 'compound', buildings: 'building', stations: 'station' }],
  close: ['关闭', 'Close'],
  panelCollapse: ['收起 <small>hide</small>', 'Hide'],
  panelExpand: ['展开 <small>show</small>', 'Show'],

  // The locate card.
  locating: ['查询中…', 'Looking up…'],
  locateFailed: (m) => [`查询失败：${m}`, `Lookup failed: ${m}`],
  chosenPlace: ['所选位置', 'Chosen place'],
  noBuilding: ['附近 50 米内没有楼栋', 'No building within 50 m'],
  buildingFacts: (b, near) => [
    `${b.floors} 层 · ${b.units} 单元 · ${b.households} 户 · ${b.has_elevator ? '有电梯' : '无电梯'}${near ? ` · 距所点位置 ${near}` : ''}`,
    `${b.floors} floors · ${b.units} units · ${b.households} households · ${b.has_elevator ? 'elevator' : 'no elevator'}${near ? ` · ${near} from the point` : ''}`,
  ],
  outside: ['此位置不在任何网格内 <small>outside every grid</small>', 'This place is outside every grid'],
  nearestGrid: (name, d) => [`最近的网格：${name}（${d}）`, `Nearest grid: ${name} (${d})`],
  compound: ['小区', 'Compound'],
  property: ['物业', 'Property company'],
  gridChain: ['所属网格', 'Grid chain'],
  contactBoard: ['遇事问谁 <small>contact board</small>', 'Whom to ask (contact board)'],
  nearestStations: ['附近服务站点 <small>nearest stations</small>', 'Nearest service stations'],
  walkDistance: (m) => [`步行 ${m}`, `${m} on foot`],
  lineDistance: (m) => [`直线 ${m}`, `${m} in a straight line`],
  metres: (m) => [`${m} 米`, `${m} m`],

  // Reporting a problem.
  reportOpen: ['报告问题 <small>Report a problem</small>', 'Report a problem'],
  reportTitle: ['报告问题 <small>Report a problem</small>', 'Report a problem'],
  reportWhere: (where) => [`位置：${where}`, `Place: ${where}`],
  reportCategory: ['问题类别 <small>category</small>', 'Category'],
  reportDescription: ['问题描述 <small>description, required</small>', 'Description (required)'],
  reportCount: (n, max) => [`${n.toLocaleString('zh-CN')} / ${max.toLocaleString('zh-CN')} 字`, `${n.toLocaleString('en')} / ${max.toLocaleString('en')} characters`],
  reportContact: ['联系方式（可选） <small>contact, optional</small>', 'Contact (optional)'],
  reportPrivate: ['姓名和电话只有办理的工作人员能看到，不会公开。', 'Your name and phone are seen only by the staff handling the case, never published.'],
  reportName: ['姓名 <small>name</small>', 'Name'],
  reportPhone: ['电话 <small>phone</small>', 'Phone'],
  reportSubmit: ['提交 <small>submit</small>', 'Submit'],
  reportSubmitAnyway: ['仍然提交新问题 <small>submit anyway</small>', 'Submit as a new problem'],
  reportChecking: ['正在检查附近是否已有相同问题…', 'Checking for the same problem nearby…'],
  reportSending: ['正在提交…', 'Sending…'],
  reportDuplicates: ['附近 50 米内近 14 天已有同类问题未办结。是同一件事吗？点「我也遇到」即可，不必重复上报。', 'Open reports of this kind were filed within 50 m in the last 14 days. If one is yours, press “me too” instead of filing again.'],
  meToo: ['我也遇到 <small>me too</small>', 'Me too'],
  meTooDone: (n) => [`已记录，共 ${n} 人遇到`, `Noted: ${n} people have this problem`],
  duplicateLine: (r, d) => [`${r.case_number} · ${r.state_label} · 相距 ${d}`, `${r.case_number} · ${r.state_label} · ${d} away`],
  duplicatesMore: (n) => [`另有 ${n} 件未列出`, `and ${n} more not listed`],
  reportReceived: ['已收到您的报告', 'Your report was received'],
  reportCaseLabel: ['案件编号 <small>case number</small>', 'Case number'],
  reportKeep: ['请记下编号，用它查询办理进度。', 'Keep this number to track the case.'],
  reportAnother: ['再报告一个问题', 'Report another problem'],
  grid: ['网格', 'Grid'],
  tier: ['一呼四应', 'Response tier'],
  responder: ['负责人', 'Responder'],
  rateLimited: ['提交过于频繁，请稍后再试。', 'Too many submissions: please try again shortly.'],

  // Tracking a case.
  trackTitle: ['查询进度 <small>Track a case</small>', 'Track a case'],
  caseNumber: ['案件编号 <small>case number</small>', 'Case number'],
  trackButton: ['查询', 'Look up'],
  trackNotFound: (c) => [`没有编号为 ${c} 的案件`, `There is no case ${c}`],
  caseState: ['状态', 'State'],
  caseCategory: ['类别', 'Category'],
  caseFiled: ['上报时间', 'Filed'],
  caseDeadline: ['办理期限', 'Deadline'],
  caseClosed: ['结案时间', 'Closed'],
  caseSupporters: ['同样遇到', 'Also affected'],
  people: (n) => [`${n} 人`, `${n} people`],
  caseHistory: ['办理过程', 'History'],
  duplicateOf: ['重复于', 'Duplicate of'],
  onTime: (v) => [v ? '按时办结' : '超期办结', v ? 'closed on time' : 'closed late'],

  // Staff.
  staffToken: ['工作人员令牌 <small>staff token</small>', 'Staff token'],
  staffSignin: ['登录 <small>sign in</small>', 'Sign in'],
  staffSignout: ['退出 <small>sign out</small>', 'Sign out'],
  staffTokenNote: ['令牌只保存在本标签页，关闭后即清除。', 'The token is kept in this tab only and forgotten when it closes.'],
  staffSignedIn: ['已登录', 'Signed in'],
  staffState: ['状态 <small>status</small>', 'Status'],
  staffCategory: ['类别 <small>category</small>', 'Category'],
  staffOverdue: ['只看超期 <small>overdue only</small>', 'Overdue only'],
  all: ['全部', 'all'],
  openStates: ['未办结（全部）', 'open (all)'],
  staffPrev: ['上一页', 'Previous'],
  staffNext: ['下一页', 'Next'],
  staffPage: (from, to, total) => [`第 ${from}–${to} 件，共 ${total} 件`, `${from}–${to} of ${total} cases`],
  staffEmpty: ['没有符合条件的案件', 'No cases match'],
  staffLoading: ['加载中…', 'Loading…'],
  staffNoToken: ['请先粘贴令牌再登录。', 'Paste a token first.'],
  overdue: ['超期', 'overdue'],
  reporter: ['上报人', 'Reporter'],
  anonymous: ['匿名', 'anonymous'],
  source: ['来源', 'Source'],
  description: ['描述', 'Description'],
  dispatched: ['派遣时间', 'Dispatched'],
  resolved: ['处置完成', 'Resolved'],
  auditTrail: ['办理记录 <small>audit trail</small>', 'Audit trail'],
  actions: ['办理 <small>actions</small>', 'Actions'],
  transitionNote: ['备注 <small>note; required to reject</small>', 'Note (required to reject)'],
  transitionDuplicateOf: ['重复于案件 <small>duplicate of</small>', 'Duplicate of case'],
  noteRequired: ['不予立案须填写备注说明理由。', 'A rejection needs a note saying why.'],
  duplicateRequired: ['标记重复件须填写原案件编号。', 'Marking a duplicate needs the original case number.'],
  escalate: (tier) => [`上升一级：${tier}`, `Escalate to: ${tier}`],
  finalState: ['此案件已办结，无后续操作。', 'This case is finished: no further steps.'],
  moved: (c, s) => [`${c} 已改为「${s}」`, `${c} is now “${s}”`],
  escalated: (c, s) => [`${c} 已上升至「${s}」`, `${c} was escalated to “${s}”`],
  staffCaseClose: ['关闭案件详情', 'Close the case'],
  notYours: (c) => [`此令牌不能办理案件 ${c}（不在本网格）`, `This token may not work on case ${c} (another grid)`],
};

// The workflow's target states as buttons say them ("accept", not "accepted").
export const MOVES = {
  accepted: ['立案', 'Accept'],
  dispatched: ['派遣', 'Dispatch'],
  in_progress: ['开始处置', 'Start work'],
  resolved: ['处置完成', 'Resolved'],
  verified: ['核查通过', 'Verified'],
  closed: ['结案', 'Close'],
  rejected: ['不予立案', 'Reject'],
  duplicate: ['重复件', 'Duplicate'],
};
// Audit-trail actions, as the server writes them.
export const ACTIONS = {
  submit: ['上报', 'filed'], accept: ['立案', 'accepted'], dispatch: ['派遣', 'dispatched'], start: ['开始处置', 'work started'],
  resolve: ['处置完成', 'resolved'], verify: ['核查', 'verified'], close: ['结案', 'closed'], reject: ['不予立案', 'rejected'],
  mark_duplicate: ['标记重复', 'marked duplicate'], reopen: ['核查未通过，重新处置', 'verification failed, reopened'],
  escalate: ['上升一级', 'escalated'], support: ['有人也遇到', 'someone else too'],
};

let lang = (() => {
  try { return localStorage.getItem(KEY) === 'en' ? 'en' : 'zh'; } catch { return 'zh'; }
})();
const listeners = [];

export const getLang = () => lang;
const pick = (pair) => pair[lang === 'en' ? 1 : 0];

/** The string `key` in the current language. */
export function t(key, ...args) {
  const entry = DICT[key];
  if (!entry) return key;
  return pick(typeof entry === 'function' ? entry(...args) : entry);
}
/** A `[zh, en]` pair from a table such as MOVES, in the current language. */
export const tr = (pair, fallback = '') => (pair ? pick(pair) : fallback);

/** Rewrites the static strings under `root` and the document's language. */
export function apply(root = document) {
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  document.title = t('title');
  for (const el of root.querySelectorAll('[data-i18n]')) el.innerHTML = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
}

/** Switches the language, remembers it, and tells the scripts that render dynamic text. */
export function setLang(next) {
  lang = next === 'en' ? 'en' : 'zh';
  try { localStorage.setItem(KEY, lang); } catch { /* private mode: the choice lasts this page */ }
  apply();
  for (const listener of listeners) listener(lang);
}
export const onLang = (listener) => listeners.push(listener);
