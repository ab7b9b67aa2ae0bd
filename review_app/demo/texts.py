"""What the demo's applications and experts are about: keywords, 摘要, 研究方向 and 代表性成果, drawn from
each field's technical vocabulary (so that the assignment's text affinity has something to tell apart:
varied affinities, and shared terms in the preview). Drawn from a random generator of their own, so the
rest of the demo stays as it was."""

import random

# Each demo field (data.FIELDS) with terms of its trade; a consortium's topic adds its own words.
_TERMS = {
    "集成电路": "碳化硅 氮化镓 功率器件 先进封装 芯粒 晶圆级封装 模拟芯片 车规级芯片 电子设计自动化 可靠性测试",
    "人工智能": "大模型 多模态大模型 机器视觉 缺陷检测 语音识别 智能语音交互 具身智能 强化学习 运动控制 推理加速",
    "生物医药": "抗体药物 双特异性抗体 细胞治疗 基因治疗 嵌合抗原受体 高端制剂 药物递送 合成生物学 临床前研究 细胞工厂",
    "医疗器械": "医学影像 磁共振成像 计算机断层扫描 植介入器械 血管支架 心脏瓣膜 体外诊断 化学发光 分子诊断 手术机器人",
    "新能源汽车": "动力电池 固态电池 固态电解质 热失控 电池管理系统 电驱动系统 驱动电机 碳化硅 自动驾驶 车路协同",
    "高端装备": "高档数控机床 五轴联动 数控系统 工业机器人 协作机器人 精密减速器 谐波减速器 伺服系统 故障诊断 增材制造",
    "新材料": "碳纤维 复合材料 高温合金 钛合金 先进金属材料 聚酰亚胺 特种工程塑料 电子化学品 湿电子化学品 光刻胶",
    "节能环保": "工业废水 废水资源化 膜分离 零排放 挥发性有机物 脱硫脱硝 固废资源化 危废处置 循环利用 碳捕集",
    "新一代信息通信": "第六代移动通信 太赫兹通信 通感一体化 光通信 光模块 硅光 卫星互联网 低轨卫星 卫星通信终端 "
    "射频前端",
    "软件与信息服务": "工业软件 计算机辅助设计 仿真软件 操作系统 数据库 信创 数据要素 隐私计算 车载操作系统 功能安全",
    "海洋工程装备": "深远海养殖 养殖工船 海上风电 风电安装船 漂浮式风电 海洋油气 水下机器人 深海装备 船舶动力 系泊",
    "航空航天": "航空发动机 涡轮叶片 燃烧室 商业航天 运载火箭 液体火箭发动机 无人机系统 飞行控制 机载设备 复合材料构件",
    "智能电网": "特高压 柔性直流输电 输变电装备 配电网 配电自动化 虚拟电厂 需求响应 源网荷储 微电网 电力电子",
    "光伏与储能": "钙钛矿电池 异质结 光伏组件 新型储能 储能系统 储能变流器 液流电池 电解水制氢 燃料电池 质子交换膜",
    "纳米技术": "纳米材料 纳米功能材料 石墨烯 碳纳米管 微纳制造 纳米压印 微机电系统 纳米生物检测 纳米催化 气凝胶",
    "工业互联网": "工业互联网平台 标识解析 边缘计算 边缘智能 数字孪生 数字孪生工厂 制造执行系统 工业大数据 "
    "工业控制系统 设备上云",
    "先进纺织": "高性能纤维 功能性纤维 智能纺织品 柔性传感 绿色印染 无水染色 非织造材料 产业用纺织品 数码印花 再生纤维",
    "绿色化工": "化工新材料 生物基化学品 精细化工 过程强化 微通道反应器 连续流反应 催化剂 分子筛 聚酰亚胺 本质安全",
    "现代农业": "种业创新 生物育种 分子育种 种质资源 智能农机 无人农场 精准农业 农产品加工 精深加工 冷链物流",
    "轨道交通装备": "牵引系统 牵引变流器 制动系统 城轨列车 智能运维 预测性维护 故障诊断 磁浮交通 高速磁浮 列车控制系统",
}
FIELD_TERMS: dict[str, list[str]] = {field: terms.split() for field, terms in _TERMS.items()}
ACHIEVEMENT_PATTERNS = (
    "在{0}和{1}方面取得系列成果，研制的{2}实现工程应用。",
    "主持{0}相关国家重点研发计划课题，突破{1}技术，成果应用于{2}。",
    "围绕{0}开展长期研究，提出{1}新方法，参与{2}标准制定。",
)


def _rng(code: str) -> random.Random:
    return random.Random(f"demo-texts-{code}")


def application_texts(code: str, field: str, topic: str) -> tuple[str, str]:
    """(关键词, 摘要) of a demo application on `topic` in `field`."""
    rng = _rng(code)
    terms = rng.sample(FIELD_TERMS[field], 5)
    keywords = ";".join([topic, *terms[:3]])
    abstract = (
        f"联合体面向{field}产业链，聚焦{topic}，重点突破{terms[0]}、{terms[1]}和{terms[2]}等关键技术，"
        f"研制{terms[3]}并开展示范应用，同步建设{terms[4]}中试验证平台。"
    )
    return keywords, abstract


def expert_texts(code: str, fields: list[str], topics: list[str]) -> tuple[str, str, str]:
    """(研究方向, 代表性成果, 关键词) of a demo expert in `fields` (main first); `topics` are consortium topics
    of the main field, one of which the expert works on."""
    rng = _rng(code)
    main = rng.sample(FIELD_TERMS[fields[0]], 4)
    other = rng.choice(FIELD_TERMS[fields[1]]) if len(fields) > 1 else rng.choice(FIELD_TERMS[fields[0]])
    topic = rng.choice(topics)
    research_areas = "、".join([topic, main[0], main[1]])
    achievements = rng.choice(ACHIEVEMENT_PATTERNS).format(main[2], main[3], other)
    return research_areas, achievements, ";".join([main[0], main[2], other])
