"""The wording of the annual report: for each known indicator, the topic it is reported under and a
phrase in the platform's own words with `{v}` where the figure (with its unit) goes.

Phrases are grouped into one paragraph per topic, in the order below (the order of the bureau's
report). An indicator registered without a phrase here is still reported, under "其他指标", as
"<its name><figure>", so a new indicator never disappears from the report.
"""

PHRASES: dict[str, tuple[str, str]] = {
    # 社会救助
    "assistance.dibao.standard_start": ("最低生活保障", "城乡低保标准年初为每人每月{v}"),
    "assistance.dibao.standard": ("最低生活保障", "年末为每人每月{v}"),
    "assistance.dibao.households": ("最低生活保障", "年末在册低保家庭{v}"),
    "assistance.dibao.persons": ("最低生活保障", "共计保障{v}"),
    "assistance.dibao.paid": ("最低生活保障", "全年支出低保金和分类救济{v}"),
    "assistance.tekun.persons": ("特困人员救助供养", "年末在册特困供养人员{v}"),
    "assistance.tekun.paid": ("特困人员救助供养", "全年支出供养金{v}"),
    "assistance.disability.persons_dec": ("残疾人两项补贴", "12月领取补贴{v}"),
    "assistance.disability.paid": ("残疾人两项补贴", "全年发放两项补贴{v}"),
    "assistance.medical.visits": ("医疗救助", "全年实施医疗救助{v}"),
    "assistance.medical.paid": ("医疗救助", "支付救助金{v}"),
    "assistance.temporary.cases": ("临时救助", "全年实施临时救助{v}"),
    "assistance.temporary.paid": ("临时救助", "发放救助金{v}"),
    "verification.cases": ("家庭经济状况核对", "完成核对{v}"),
    "verification.persons": ("家庭经济状况核对", "涉及家庭成员{v}"),
    "verification.accuracy": ("家庭经济状况核对", "核对结论经复核维持的比例为{v}"),
    "assistance.orphan.standard_start": ("儿童福利", "孤儿养育标准年初为每人每月{v}"),
    "assistance.orphan.standard": ("儿童福利", "年末为每人每月{v}"),
    "assistance.orphan.recipients": ("儿童福利", "年末领取孤儿和事实无人抚养儿童基本生活费的儿童{v}"),
    "assistance.orphan.paid": ("儿童福利", "全年发放基本生活费{v}"),
    "assistance.children.paid": ("儿童福利", "向困境儿童发放生活补贴和一次性助学补贴{v}"),
    "assistance.children.education_grants": ("儿童福利", "其中一次性助学补贴{v}"),
    "assistance.left_behind.children": ("留守儿童关爱保护", "年末在册农村留守儿童{v}"),
    "assistance.left_behind.high_risk": ("留守儿童关爱保护", "其中高风险{v}"),
    "assistance.left_behind.medium_risk": ("留守儿童关爱保护", "中风险{v}"),
    "assistance.left_behind.low_risk": ("留守儿童关爱保护", "低风险{v}"),
    "assistance.left_behind.visits": ("留守儿童关爱保护", "全年关爱走访{v}"),
    "assistance.poverty.households_start": ("精准扶贫", "精准核查后在册贫困户{v}"),
    "assistance.poverty.persons_start": ("精准扶贫", "贫困人口{v}"),
    "assistance.poverty.households": ("精准扶贫", "年末仍在册的贫困户{v}"),
    "assistance.poverty.persons": ("精准扶贫", "贫困人口{v}"),
    "assistance.poverty.exit_rate": ("精准扶贫", "贫困户脱贫比例为{v}"),
    "assistance.charity.donations": ("慈善募捐", "扶贫济困日活动收到捐款{v}"),
    "assistance.charity.donation_count": ("慈善募捐", "共{v}"),
    "assistance.charity.donations_all": ("慈善募捐", "全年各项募捐活动共收到捐款{v}"),
    "assistance.charity.titles": ("慈善募捐", "创建慈善标志{v}"),
    "assistance.disaster.events": ("防灾减灾", "应对处置自然灾害{v}"),
    "assistance.disaster.sheltered": ("防灾减灾", "避灾场所累计安置群众{v}"),
    "assistance.disaster.relief_households": ("防灾减灾", "向受灾家庭发放救助{v}"),
    "assistance.disaster.relief_cash": ("防灾减灾", "核发受灾群众救助金{v}"),
    "assistance.disaster.relief_paid": ("防灾减灾", "其中已发放{v}"),
    # 养老服务
    "eldercare.meal.points": ("长者助餐配餐", "在运营的助餐配餐点{v}"),
    "eldercare.meal.towns_covered": ("长者助餐配餐", "覆盖镇街{v}"),
    "eldercare.meal.capacity": ("长者助餐配餐", "最多可同时供餐{v}"),
    "eldercare.meal.daily_diners": ("长者助餐配餐", "平均每个服务日就餐{v}"),
    "eldercare.meal.social_points": ("长者助餐配餐", "其中由社会力量运营的{v}"),
    "eldercare.meal.share": ("长者助餐配餐", "社会化运营占比{v}"),
    "eldercare.beds.total": ("养老机构", "养老机构床位{v}"),
    "eldercare.beds.per_1000": ("养老机构", "每千名常住老年人拥有床位{v}"),
    "eldercare.alarm.users": ("平安通", "使用“平安通”呼援服务的老年人{v}"),
    "eldercare.insurance.spend": ("银龄安康行动", "区财政出资{v}为户籍老年人投保"),
    "eldercare.insurance.insured": ("银龄安康行动", "受保老年人{v}"),
    "eldercare.medcare.centres": ("医养结合", "提供居家医养服务的社区卫生服务中心{v}"),
    "eldercare.medcare.consortia": ("医养结合", "与养老机构组成的医养联合体{v}"),
    "eldercare.ltc.persons": ("长期护理保险", "获批长期护理保险待遇的长者{v}"),
    "eldercare.ltc.batches": ("长期护理保险", "分{v}申请"),
    # 社区治理
    "community.halls.town": ("城乡社区协商", "镇街议事厅{v}"),
    "community.halls.village": ("城乡社区协商", "村居议事厅{v}"),
    "community.meetings": ("城乡社区协商", "全年召开协商议事会议{v}"),
    "community.resolutions": ("城乡社区协商", "形成决议{v}"),
    "community.carried_out": ("城乡社区协商", "已落实{v}"),
    "community.completion_rate": ("城乡社区协商", "决议办结率{v}"),
    "community.sanshe.pilots": ("三社联动", "开展试点的城乡社区{v}"),
    "community.cases": ("家庭综合服务", "开展专业个案{v}"),
    "community.activities": ("家庭综合服务", "举办社区活动{v}"),
    "community.orgs_cultivated": ("社区社会组织与志愿服务", "培育社区社会组织{v}"),
    "community.volunteers": ("社区社会组织与志愿服务", "登记在册志愿者{v}"),
    # 社会组织
    "socialorgs.new": ("登记管理", "本年新登记社会组织{v}"),
    "socialorgs.total": ("登记管理", "年末登记在册{v}"),
    "socialorgs.incubated": ("培育扶持", "入驻孵化基地的社会组织{v}"),
    "socialorgs.funded_projects": ("培育扶持", "获资助（奖励）项目{v}"),
    "socialorgs.funding": ("培育扶持", "拨付培育发展资金{v}"),
    "socialorgs.banned": ("监督管理", "劝散、取缔非法社会组织{v}"),
    "socialorgs.guided": ("监督管理", "引导规范登记{v}"),
    "socialorgs.graded_3a_plus": ("监督管理", "新评为3A级以上的社会组织{v}"),
    "socialorgs.abnormal": ("监督管理", "因未按时报送年度报告列入异常名录{v}"),
    "socialorgs.party_orgs": ("党的建设", "社会组织中建立党组织{v}"),
    "socialorgs.branches": ("党的建设", "其中党支部{v}"),
    "socialorgs.members": ("党的建设", "党员{v}"),
    # 双拥优抚安置
    "veterans.pensions.paid": ("优抚保障", "支出优抚对象抚恤和生活补助{v}"),
    "veterans.resettled": ("退役士兵安置", "接收自主就业退役士兵{v}"),
    "veterans.jobfair.positions": ("退役士兵安置", "专场招聘会提供岗位{v}"),
    "veterans.one_time.paid": ("退役士兵安置", "发放一次性经济补助{v}"),
    "veterans.hardship.paid": ("困难帮扶", "向复退军人发放各类补助{v}"),
    # 专项事务
    "placenames.nonresidential.cases": ("区划地名", "办结非住宅类地名命名、更名初审{v}"),
    "placenames.nonresidential.names": ("区划地名", "涉及地名{v}"),
    "placenames.residential.cases": ("区划地名", "审批住宅小区和建筑物命名{v}"),
    "placenames.residential.names": ("区划地名", "涉及名称{v}"),
    "placenames.gapfill": ("区划地名", "补齐历史地名图形和属性信息{v}"),
    "marriage.registrations": ("婚姻登记", "办理婚姻登记{v}"),
    "marriage.foreign": ("婚姻登记", "其中涉外登记{v}"),
    "marriage.pass_rate": ("婚姻登记", "登记质量检查合格率{v}"),
    "rescue.reunited": ("流浪乞讨救助", "经寻亲与家人团聚的安置人员{v}"),
    "rescue.returned": ("流浪乞讨救助", "核实身份后返乡的受助人员{v}"),
    "funeral.qingming.visitors": ("殡葬管理", "清明期间接待祭扫群众{v}"),
    "funeral.waivers": ("殡葬管理", "减免基本殡葬服务费{v}"),
    "funeral.cremation_rate": ("殡葬管理", "遗体火化率{v}"),
    # 底册与发放
    "registry.persons": ("人口底册", "年末在册且在世的户籍人员{v}"),
    "registry.elderly": ("人口底册", "其中60周岁及以上户籍老年人{v}"),
    "registry.elderly_resident": ("人口底册", "按实际居住地统计的60周岁及以上老年人{v}"),
    "registry.households": ("人口底册", "有现有成员的家庭户{v}"),
    "benefits.recipients": ("待遇发放", "享受各类待遇的对象{v}"),
    "benefits.person_times": ("待遇发放", "累计发放{v}"),
    "benefits.paid": ("待遇发放", "发放资金{v}"),
}
OTHER_TOPIC = "其他指标"


def phrase_for(indicator) -> tuple[str, str]:
    """(topic, phrase with {v}) for an indicator; unknown ids use the indicator's own name."""
    known = PHRASES.get(indicator.id)
    if known:
        return known
    return OTHER_TOPIC, f"{indicator.name}{{v}}"


def topic_order(indicator_id: str) -> int:
    keys = list(PHRASES)
    return keys.index(indicator_id) if indicator_id in PHRASES else len(keys)
