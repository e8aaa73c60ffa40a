// The page's interface strings in Chinese (the default) and English, and the server's word
// lists (`/api/vocabulary`: categories, states, kinds …, never copied here). Static elements
// name their string with `data-i18n` (inner HTML), `data-i18n-label` (aria-label),
// `data-i18n-placeholder`, `data-i18n-title`, or a vocabulary word with `data-vocab="list:code"`; scripts call
// `t(key, …args)` for text, `th(key)` for markup, `label(list, code)` for a word. Names from
// the data (compounds, grids, people) stay as they are, marked `translate="no"`.

import { getJSON, html, trusted, escape, render } from './util.js';
import { WORK_STRINGS } from './i18n-work.js';
import { FOLLOW_STRINGS } from './i18n-follow.js';
import { LIFECIRCLE_STRINGS } from './i18n-lifecircle.js';

const KEY = 'minsheng.lang';

// key: [Chinese, English]; a function takes the arguments `t` is given.
const DICT = {
  ...WORK_STRINGS,
  ...FOLLOW_STRINGS,
  ...LIFECIRCLE_STRINGS,
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
  nearestGrid: ['最近的网格：', 'Nearest grid: '],
  compound: ['小区：', 'Compound: '],
  propertyCompany: ['物业：', 'Property company: '],
  gridChain: ['所属网格', 'Grid chain'],
  contactBoard: ['遇事问谁 <small>contact board</small>', 'Whom to ask (contact board)'],
  nearestStations: ['附近服务站点 <small>nearest stations</small>', 'Nearest service stations'],
  walkDistance: (m) => [`步行 ${m}`, `${m} on foot`],
  lineDistance: (m) => [`直线 ${m}`, `${m} in a straight line`],
  metres: (m) => [`${m} 米`, `${m} m`],

  // Reporting a problem.
  reportOpen: ['报告问题 <small>Report a problem</small>', 'Report a problem'],
  reportTitle: ['报告问题 <small>Report a problem</small>', 'Report a problem'],
  reportWhere: ['位置：', 'Place: '],
  reportCategory: ['问题类别 <small>category</small>', 'Category'],
  reportSubcategory: ['细类 <small>subcategory, optional</small>', 'Subcategory (optional)'],
  noSubcategory: ['不细分 (none)', 'None'],
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
  distanceAway: (d) => [`相距 ${d}`, `${d} away`],
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
  allOf: (status) => [`${status}（全部）`, `${status} (all)`],
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
  dispatchedAt: ['派遣时间', 'Dispatched'],
  resolvedAt: ['处置时间', 'Resolved'],
  auditTrail: ['办理记录 <small>audit trail</small>', 'Audit trail'],
  actions: ['办理 <small>actions</small>', 'Actions'],
  transitionDuplicateOf: ['重复于案件 <small>duplicate of</small>', 'Duplicate of case'],
  noteRequired: (action) => [`${action}须填写备注说明理由。`, `To ${action} needs a note saying why.`],
  duplicateRequired: (action) => [`${action}须填写原案件编号。`, `To ${action} needs the original case number.`],
  escalate: (action, tier) => [`${action}：${tier}`, `${action}: ${tier}`],
  finalState: ['此案件已办结，无后续操作。', 'This case is finished: no further steps.'],
  escalated: (c, s) => [`${c} 已上升至「${s}」`, `${c} was escalated to “${s}”`],
  staffCaseClose: ['关闭案件详情', 'Close the case'],
  caseList: ['案件列表', 'Cases'],
  notYours: (c) => [`此令牌不能办理案件 ${c}（不在本网格）`, `This token may not work on case ${c} (another grid)`],

  // The page's frame and the resident legend.
  brand: ['民生', 'Minsheng'],
  viewsLabel: ['视图', 'Views'],
  hitsLabel: ['搜索结果', 'Search results'],
  cardLabel: ['位置信息', 'The chosen place'],
  showLayers: ['显示图层 <small>Show layers</small>', 'Show layers'],
  compoundNames: ['小区名称 <small>names</small>', 'Compound names'],
  compoundKinds: ['小区类型 <small>Compound kind</small>', 'Compound kinds'],
  mapUnavailable: ['地图无法显示（浏览器未启用 WebGL）；搜索仍可使用。', 'The map cannot be shown (WebGL is off); search still works.'],
  layersUnavailable: ['图层数据暂时无法加载；点击地图和搜索仍可使用。', 'The map layers cannot be loaded now; clicking the map and search still work.'],
  vocabularyUnavailable: ['词表暂时无法加载，类别等显示为代码。', 'The word lists cannot be loaded now: categories and kinds show as codes.'],

  // Shared by the planner and official views.
  displayLegend: ['显示与图例 <small>Display &amp; legend</small>', 'Display &amp; legend'],
  show: ['显示 <small>Show</small>', 'Show'],
  legend: ['图例 <small>Legend</small>', 'Legend'],
  by: ['按 <small>by</small>', 'By'],
  colName: ['名称 <small>name</small>', 'Name'],
  showOnMap: ['在地图上查看', 'Show on the map'],
  working: ['计算中…', 'Working…'],
  yes: ['是', 'yes'],
  no: ['否', 'no'],
  households: (n) => [`${n} 户`, `${n} households`],
  residents: (n) => [`${n} 人`, `${n} residents`],
  buildingsCount: (n) => [`${n} 栋`, `${n} buildings`],
  casesCount: (n) => [`${n} 件`, `${n} cases`],

  // The planner view.
  filters: ['筛选 <small>Filters</small>', 'Filters'],
  categoriesLegend: ['问题类别 <small>Categories (none ticked = all)</small>', 'Categories (none ticked = all)'],
  allCategories: ['全部类别 <small>all</small>', 'All categories'],
  status: ['状态 <small>Status</small>', 'Status'],
  filedBetween: ['上报日期 <small>Filed between (inclusive)</small>', 'Filed between (inclusive)'],
  from: ['从 <small>from</small>', 'From'],
  to: ['至 <small>to</small>', 'To'],
  last30: ['近 30 天', 'Last 30 days'],
  last90: ['近 90 天', 'Last 90 days'],
  lastYear: ['近一年', 'Last year'],
  showHeat: ['热力图 <small>heat (single cases from zoom 15)</small>', 'Heat map (single cases from zoom 15)'],
  showHexagons: ['六边形填色 <small>hexagons by value</small>', 'Hexagons by value'],
  showSpots: ['热点与冷点 <small>hot &amp; cold spots</small>', 'Hot &amp; cold spots'],
  fillBy: ['六边形着色 <small>Fill by</small>', 'Fill by'],
  fillCount: ['问题数 count', 'number of cases'],
  fillRate: ['每千户 per 1,000 households', 'cases per 1,000 households'],
  resolutionLabel: ['六边形大小 <small>H3 resolution</small>', 'Hexagon size (H3 resolution)'],
  res8: ['8 · 边长约 460 米', '8 · edge about 460 m'],
  res9: ['9 · 边长约 170 米', '9 · edge about 170 m'],
  res10: ['10 · 边长约 66 米', '10 · edge about 66 m'],
  res11: ['11 · 边长约 25 米', '11 · edge about 25 m'],
  problemList: ['问题清单 <small>Problem list</small>', 'Problem list'],
  byCompound: ['小区 compound', 'Compound'],
  byGrid: ['网格 grid', 'Grid'],
  byCommunity: ['社区 community', 'Community'],
  byStreet: ['街道 street', 'Street'],
  downloadCsv: ['下载 CSV <small>download</small>', 'Download CSV'],
  problemsCaption: ['按问题数排名；点击名称在地图上查看', 'Ranked by cases; click a name to see it on the map'],
  colCases: ['件数 <small>cases</small>', 'Cases'],
  colRate: ['每千户 <small>per 1,000 households</small>', 'Per 1,000 households'],
  colChange: ['环比 <small>vs previous</small>', 'Vs previous period'],
  trend: ['趋势 <small>Trend</small>', 'Trend'],
  datesReversed: ['开始日期晚于结束日期', 'The start date is after the end date'],
  heatFailed: (m) => [`热力图无法加载：${m}`, `The heat map cannot be loaded: ${m}`],
  tooManyHexagons: (m) => [`视野内六边形过多，请放大地图（${m}）`, `Too many hexagons in view: zoom in (${m})`],
  hexagonsFailed: (m) => [`六边形加载失败：${m}`, `The hexagons cannot be loaded: ${m}`],
  inViewCoarser: (r, chosen) => [` · 视野内，分辨率 ${r}（放大地图可看 ${chosen}）`, ` · in view, resolution ${r} (zoom in for ${chosen})`],
  inView: [' · 视野内', ' · in view'],
  hexagonSummary: (total, cells, hot, cold) => [`共 ${total} 件 · ${cells} 个六边形 · 热点 ${hot} 个 · 冷点 ${cold} 个`,
    `${total} cases · ${cells} hexagons · ${hot} hot and ${cold} cold spots`],
  noOutline: [' <small>无轮廓</small>', ': no outline'],
  heatTitle: ['热力 <small>heat: relative density of cases</small>', 'Heat: relative density of cases'],
  fewer: ['少', 'fewer'],
  more: ['多', 'more'],
  caseKey: ['<small>（15 级起）</small>', ' case (zoom 15+)'],
  hexFillCount: ['六边形 问题数（件） <small>hexagons: cases</small>', 'Hexagons: cases'],
  hexFillRate: ['六边形 每千户问题数（件/千户） <small>hexagons: cases per 1,000 households</small>', 'Hexagons: cases per 1,000 households'],
  noHouseholds: ['无住户 <small>no households</small>', 'No households'],
  problemsFailed: (m) => [`问题清单加载失败：${m}`, `The problem list cannot be loaded: ${m}`],
  period: ['统计期', 'Period'],
  comparedWith: ['对比上期', 'compared with'],
  dateSpan: (a, b) => [`${a} 至 ${b}`, `${a} to ${b}`],
  noReports: ['此期间没有问题上报', 'No reports in this period'],
  locateFailedArea: (m) => [`无法定位：${m}`, `Cannot show it: ${m}`],
  timelineFailed: (m) => [`趋势加载失败：${m}`, `The trend cannot be loaded: ${m}`],
  up: ['增加', 'up'],
  down: ['减少', 'down'],
  same: ['持平', 'same'],
  newArea: ['新', 'new'],
  previous: (n) => [`上期：${n} 件`, `previous period: ${n}`],
  hexCases: ['问题数 <small>cases</small>', 'Cases'],
  hexHouseholds: ['住户 <small>households</small>', 'Households'],
  hexRate: ['千户发生率 <small>per 1,000 households</small>', 'Per 1,000 households'],
  hexZ: ['Gi* z 值 <small>z-score</small>', 'Gi* z-score'],
  hexP: ['p 值 <small>p-value</small>', 'p-value'],
  hexClass: ['类型 <small>class</small>', 'Class'],
  perThousand: (n) => [`${n} 件/千户`, `${n} per 1,000 households`],
  caseFiledShort: ['上报 <small>filed</small>', 'Filed'],
  caseCategoryShort: ['类别 <small>category</small>', 'Category'],
  caseStatusShort: ['状态 <small>status</small>', 'Status'],
  noData: ['没有数据', 'No data'],
  weekFrom: (d) => [`${d} 起一周`, `week of ${d}`],
  timelineLabel: (weekly, summary) => [`${weekly ? '每周' : '每月'}问题数：${summary}`, `${weekly ? 'Weekly' : 'Monthly'} cases: ${summary}`],
  timelineCaption: (weekly, max) => [`${weekly ? '每周' : '每月'}问题数，最高 ${max} 件`, `${weekly ? 'Weekly' : 'Monthly'} cases, peak ${max}`],

  // The official view.
  facilityKind: ['设施类型 <small>Facility kind</small>', 'Facility kind'],
  circle: ['生活圈 <small>Circle (GB 50180-2018)</small>', 'Life circle (GB 50180-2018)'],
  circle300: ['5 分钟 · 300 米', '5 min · 300 m'],
  circle500: ['10 分钟 · 500 米', '10 min · 500 m'],
  circle15: ['15 分钟 · 1,000 米', '15 min · 1,000 m'],
  circleCustom: ['自定义距离', 'custom distance'],
  customDistance: ['步行距离（米） <small>Distance (m)</small>', 'Distance (m)'],
  apply: ['应用 <small>apply</small>', 'Apply'],
  showIsochrones: ['等时圈 <small>isochrones</small>', 'Isochrones'],
  showDistance: ['楼栋距离 <small>buildings by distance</small>', 'Buildings by distance'],
  showWalkways: ['步行路网 <small>walkways (zoom 14+)</small>', 'Walkways (zoom 14+)'],
  siting: ['新增站点选址建议 <small>Siting suggestion</small>', 'Siting suggestion'],
  sitingAdd: ['新增站点数 <small>New sites (1–50)</small>', 'New sites (1–50)'],
  candidates: ['候选位置 <small>Candidates</small>', 'Candidates'],
  candCompounds: ['每个小区一处', 'one per compound'],
  candBuildings: ['任一楼栋', 'any building'],
  sitingRun: ['计算选址 <small>suggest</small>', 'Suggest'],
  sitingClear: ['清除 <small>clear</small>', 'Clear'],
  coverageTitle: ['覆盖情况 <small>Coverage</small>', 'Coverage'],
  coverageCaption: ['生活圈内的楼栋、户数和居民', 'Buildings, households and residents within the circle'],
  colCovered: ['圈内 <small>covered</small>', 'Covered'],
  colTotal: ['合计 <small>total</small>', 'Total'],
  colShare: ['覆盖率 <small>share</small>', 'Share'],
  byArea: ['分区覆盖 <small>By area</small>', 'By area'],
  areasCaption: ['各社区或街道的户数覆盖率', 'Households covered per community or street'],
  colHouseholds: ['户数 <small>households covered / total</small>', 'Households covered / total'],
  colHouseholdShare: ['户覆盖率 <small>share</small>', 'Share'],
  colResidents: ['居民覆盖率 <small>residents</small>', 'Residents'],
  notCovered: ['未全覆盖的小区 <small>Compounds not fully covered</small>', 'Compounds not fully covered'],
  uncoveredCaption: ['圈外户数最多的小区在前；点击名称在地图上查看', 'Most households outside first; click a name to see it on the map'],
  colCompound: ['小区 <small>compound</small>', 'Compound'],
  colOutside: ['圈外户数 <small>households outside</small>', 'Households outside'],
  colNearest: ['最近站点 <small>nearest station</small>', 'Nearest station'],
  rowBuildings: ['楼栋 <small>buildings</small>', 'Buildings'],
  rowHouseholds: ['户数 <small>households</small>', 'Households'],
  rowResidents: ['居民 <small>residents</small>', 'Residents'],
  withinCircle: ['生活圈内', 'within the circle'],
  beyondCircle: (d) => [`圈外，${d} 内有站点`, `outside the circle, a station within ${d}`],
  noStationWithin: (d) => [`${d} 内无站点`, `no station within ${d}`],
  distanceTitle: (kind, how) => [`楼栋：到最近的${kind}的${how}（m）`, `Buildings by ${how} to the nearest ${kind}, metres`],
  walking: ['步行距离', 'walking distance'],
  straightLine: ['直线距离', 'straight-line distance'],
  distance: ['距离', 'distance'],
  isochroneKey: (d) => [`等时圈：站点 ${d} 内的范围`, `Isochrone: the area within ${d} of a station`],
  existingStations: (kind) => [`现有${kind}`, `Existing ${kind}`],
  suggestedSite: ['建议新站点 <small>suggested site, by rank</small>', 'Suggested site, by rank'],
  walkwaysKey: ['步行路网 <small>walkways</small>', 'Walkways'],
  distanceRange: ['自定义距离须在以下范围内（米）：', 'The distance must be within (m): '],
  coverageFailed: (m) => [`覆盖统计加载失败：${m}`, `The coverage cannot be loaded: ${m}`],
  coverageSummary: (kind, limit, covered, total, share, stations) => [
    `${kind} · ${limit} 内覆盖 ${covered} / ${total} 户（${share}） · ${stations} 个站点`,
    `${kind} · ${covered} of ${total} households within ${limit} (${share}) · ${stations} stations`],
  methodNetwork: ['沿步行路网计算 <small>along the walking network</small>', 'along the walking network'],
  methodEuclidean: ['按直线距离计算 <small>straight-line distance</small>', 'by straight-line distance'],
  method: ['距离 <small>method</small>：', 'Distance: '],
  stationsOff: (n) => [`${n} 个站点不在路网旁`, `${n} stations off the network`],
  buildingsOff: (n) => [`${n} 栋楼不在路网旁`, `${n} buildings off the network`],
  circleMinutes: (d, min, speed) => [`生活圈 ${d} ≈ ${min} 分钟（${speed} 米/分钟）`, `Circle ${d} ≈ ${min} minutes at ${speed} m/min`],
  attention: ['注意', 'Note'],
  noNetworkWarning: ['未载入步行路网，距离按直线计算：直线短于实际步行，覆盖率偏高。', 'No walking network is loaded: distances are straight lines, shorter than the walk, so coverage is overstated.'],
  straightWarning: ['距离按直线计算：直线短于实际步行，覆盖率偏高。', 'Distances are straight lines, shorter than the walk, so coverage is overstated.'],
  coveragePeriod: (kind, stations, d) => [`${kind} · ${stations} 个站点 · 生活圈 ${d}`, `${kind} · ${stations} stations · circle ${d}`],
  noBuildings: ['没有楼栋', 'No buildings'],
  everyCompoundCovered: ['所有小区均在生活圈内', 'Every compound is covered'],
  isochronesTooMany: (m) => [`视野太大，放大地图可看等时圈（${m}）`, `Zoom in to see the isochrones (${m})`],
  isochronesFailed: (m) => [`等时圈加载失败：${m}`, `The isochrones cannot be loaded: ${m}`],
  buildingsTooMany: (m) => [`视野内楼栋太多，放大地图可看各楼距离（${m}）`, `Zoom in to see each building's distance (${m})`],
  buildingsFailed: (m) => [`楼栋距离加载失败：${m}`, `The buildings' distances cannot be loaded: ${m}`],
  sitingInvalid: ['新增站点数须为 1–50 的整数', 'New sites must be a whole number from 1 to 50'],
  sitingTooMany: ['视野内候选点太多，请放大地图或改用“每个小区一处”：', 'Too many candidates in view: zoom in, or choose one per compound: '],
  sitingFailed: (m) => [`选址计算失败：${m}`, `The siting failed: ${m}`],
  unchanged: ['不变', 'unchanged'],
  alreadyCovered: ['现有站点已覆盖全部住户，无需新增', 'Every household is already covered'],
  coveredWith: (n) => [`${n} 处即覆盖全部住户`, `Every household is covered with ${n} sites`],
  onlyFound: (n) => [`只找到 ${n} 处能增加覆盖的位置`, `Only ${n} sites add households`],
  planSummary: (before, total, shareBefore, picks, after) => [
    `现有站点覆盖 ${before} / ${total} 户（${shareBefore}）→ 新增 ${picks} 处后 ${after}`,
    `Existing stations cover ${before} of ${total} households (${shareBefore}) → with ${picks} new sites: ${after}`],
  planAfter: (n, share) => [`${n} 户（${share}）`, `${n} households (${share})`],
  planDetail: (candidates, inView, evaluated, network, d) => [
    `${candidates} 个候选点${inView ? '（视野内）' : ''}，计算 ${evaluated} 个；${network ? '步行路网' : '直线距离'}，${d}`,
    `${candidates} candidates${inView ? ' in view' : ''}, ${evaluated} evaluated; ${network ? 'walking network' : 'straight lines'}, ${d}`],
  siteBuilding: ['楼栋', 'building'],
  siteCompound: ['小区', 'compound'],
  sitePoint: ['点', 'point'],
  pickAdded: (added, covered, share) => [`+${added} 户 → 覆盖 ${covered} 户（${share}）`, `+${added} households → ${covered} covered (${share})`],
  pickLabel: (rank, added) => [`建议新站点 ${rank}，新增 ${added} 户：`, `Suggested site ${rank}, adding ${added} households: `],
  nearestStation: ['最近站点 <small>nearest station</small>', 'Nearest station'],
  covered: ['生活圈内 <small>covered</small>', 'Covered'],
  isochrone: ['等时圈', 'isochrone'],
  offNetwork: ['不在路网旁：步行无法到达', 'Off the network: reaches nobody on foot'],
  reached: (d) => [`可达路段 ${d}`, `${d} of walkway reached`],
  radius: (d) => [`半径 ${d}（直线）`, `Radius ${d} (straight line)`],
};

let lang = (() => {
  try { return localStorage.getItem(KEY) === 'en' ? 'en' : 'zh'; } catch { return 'zh'; }
})();
const listeners = [];

export const getLang = () => lang;
const pick = (pair) => pair[lang === 'en' ? 1 : 0];

/** The string `key` in the current language, as text. */
export function t(key, ...args) {
  const entry = DICT[key];
  if (!entry) return key;
  return pick(typeof entry === 'function' ? entry(...args) : entry);
}
/** The string `key` as markup (the table's own `<small>` and entities); its arguments are escaped. */
export const th = (key, ...args) => trusted(t(key, ...args.map((a) => (typeof a === 'string' ? escape(a) : a))));

// The server's word lists; a page that cannot load them still works, showing codes.
let words = {};
try {
  words = await getJSON('/api/vocabulary');
} catch (err) {
  console.warn('/api/vocabulary:', err.message);
}
export const vocabularyLoaded = () => Object.keys(words).length > 0;

/** Every word of a list (`categories`, `states`, `facility_kinds` …), in the server's order. */
export const list = (name) => words[name] ?? [];
/** One word of a list, or undefined. */
export const word = (name, code) => list(name).find((w) => w.code === code);
/** A word's label in the current language (the code itself if the list does not have it). */
export function label(name, code) {
  const w = word(name, code);
  return w ? (lang === 'en' ? w.label_en : w.label_zh) : String(code ?? '');
}
/** A word for a menu: both labels in the Chinese view, as the page's own strings are. */
export function choice(name, code) {
  const w = word(name, code);
  if (!w) return String(code ?? '');
  return lang === 'en' ? w.label_en : `${w.label_zh} ${w.label_en}`;
}
/** A word as markup: the English label small after the Chinese one, as the page's own strings. */
export function choiceHtml(name, code) {
  const w = word(name, code);
  if (!w || lang === 'en') return html`${label(name, code)}`;
  return html`${w.label_zh} <small>${w.label_en}</small>`;
}
/** The English label of a word the server gave by its Chinese label only (search details). */
export function relabel(name, chinese) {
  const w = list(name).find((x) => x.label_zh === chinese);
  return w && lang === 'en' ? w.label_en : chinese;
}

/** Rewrites the static strings under `root` and the document's language. */
export function apply(root = document) {
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  document.title = t('title');
  // The switch names the other language, in that language.
  document.getElementById('lang-toggle')?.setAttribute('lang', lang === 'en' ? 'zh-CN' : 'en');
  for (const el of root.querySelectorAll('[data-i18n]')) render(el, th(el.dataset.i18n));
  for (const el of root.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll('[data-vocab]')) {
    const [name, code] = el.dataset.vocab.split(':');
    render(el, choiceHtml(name, code));
  }
}

/** Fills a `<select>` with `[value, text]` pairs, keeping its choice. */
export function fillSelect(select, entries) {
  const chosen = select.value;
  select.replaceChildren(...entries.map(([value, text]) => new Option(text, value)));
  if (entries.some(([value]) => value === chosen)) select.value = chosen;
}

/** Switches the language, remembers it, and tells the scripts that render dynamic text. */
export function setLang(next) {
  lang = next === 'en' ? 'en' : 'zh';
  try { localStorage.setItem(KEY, lang); } catch { /* private mode: the choice lasts this page */ }
  apply();
  for (const listener of listeners) listener(lang);
}
export const onLang = (listener) => listeners.push(listener);
