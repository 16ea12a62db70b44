"""Column layouts shared by the route compiler, the flight kernel and the writers.

The kernel works on plain float64 arrays; these integer constants name their columns.
"""

# ---- leg table: one row per route leg -------------------------------------------------
LAT_MODE = 0  # LM_* below
LAT1 = 1  # target point / circle centre / runway threshold, degrees
LON1 = 2
HDG = 3  # heading to hold (rad) or runway heading (rad); NaN = keep the current heading
RADIUS = 4  # circle radius, m
DIR = 5  # circle direction: +1 right (clockwise), -1 left
TURNS = 6  # circle: total angle to sweep, rad (NaN = use DURATION)
DURATION = 7  # s, NaN = none
VERT_MODE = 8  # VM_* below
ALT_TGT = 9  # m MSL (VM_ALT), m AGL (VM_AGL, VM_TF; take-off: the set climb-out height); NaN = hold the
# altitude at leg start (take-off: climb at full rate to kernel.CLIMB_OUT_AGL_M)
RATE = 10  # climb/descent rate limit, m/s; NaN = the aircraft's limit
DIVE_ANGLE = 11  # rad; NaN = not a dive
SPEED_MODE = 12  # SM_* below
SPEED = 13  # m/s (TAS, GS) or Mach
AB = 14  # 1 = afterburner for the whole leg
NLOAD = 15  # load factor for turns and pull-ups
END_ON_ALT = 16  # 1 = the leg ends when the altitude target is reached
RWY_ELEV = 17  # m MSL (take-off, landing)
RWY_LEN = 18  # m
TD_DIST = 19  # touchdown point, m past the threshold
GLIDE_SLOPE = 20  # rad
FAF_LAT = 21
FAF_LON = 22
FAF_DIST = 23  # m before the threshold
CHUTE = 24  # 1 = stream the drag chute
CLEAR_TOL = 25  # terrain-following: clearance violation below (set height - this), m
AB_UNTIL = 26  # take-off: afterburner until this time after brake release, s
N_LEG_COLS = 27

LM_POINT = 0
LM_HEADING = 1
LM_CIRCLE = 2
LM_LAND = 3
LM_TAKEOFF = 4

VM_ALT = 0  # altitude target MSL
VM_AGL = 1  # height above ground target (climb/descend/dive to a height AGL)
VM_TF = 2  # terrain following at a set height AGL with look-ahead

SM_TAS = 0
SM_MACH = 1
SM_GS = 2

# ---- trajectory: one row per time step ------------------------------------------------
C_T = 0
C_LAT = 1
C_LON = 2
C_ALT = 3
C_GROUND = 4
C_AGL = 5
C_TAS = 6
C_GS = 7
C_HDG = 8
C_VZ = 9
C_NLOAD = 10
C_FUEL = 11
C_MASS = 12
C_MACH = 13
C_FF = 14
C_LEG = 15
C_PHASE = 16
N_COLS = 17

PH_GROUND = 0  # take-off roll
PH_AIR = 1
PH_GLIDE = 2  # engines stopped, fuel exhausted
PH_ROLL = 3  # landing roll
PH_END = 4

PHASE_NAMES = {PH_GROUND: "takeoff_roll", PH_AIR: "airborne", PH_GLIDE: "glide", PH_ROLL: "landing_roll",
               PH_END: "stopped"}

# ---- events ---------------------------------------------------------------------------
E_CODE = 0
E_T = 1
E_LAT = 2
E_LON = 3
E_ALT = 4
E_V1 = 5
E_V2 = 6
E_LEG = 7
N_EV_COLS = 8
MAX_EVENTS = 20000

EV_LIFTOFF = 1  # v1 = ground roll (m), v2 = runway length left (m)
EV_WAYPOINT = 2  # v1 = miss distance (m): 0 when flown over
EV_LEG_END = 3
EV_CLEARANCE = 4  # v1 = margin (height AGL - set height, m, negative), v2 = set height (m)
EV_FUEL_OUT = 5  # v1 = fuel flow just before (kg/s)
EV_CRASH = 6  # v1 = vertical speed (m/s), v2 = 1 short of a runway, 0 terrain
EV_TOUCHDOWN = 7  # v1 = distance past the threshold (m), v2 = speed (m/s)
EV_STOPPED = 8  # v1 = roll distance from touchdown (m), v2 = overrun past the runway end (m; <0: runway left)
EV_DEAD_STICK = 9  # touchdown with engines stopped
EV_SPEED_LIMIT = 10  # v1 = commanded TAS (m/s), v2 = limit applied (m/s)
EV_MAX_TIME = 11
EV_TO_OVERRUN = 12  # take-off roll longer than the runway; v1 = roll (m)
EV_OFF_MAP = 13  # left the DEM
EV_RWY_DEM = 14  # v1 = DEM ground - runway elevation (m): terrain checks suspended near the runway
EV_CEILING = 15  # v1 = altitude asked (m), v2 = ceiling (m)

EVENT_NAMES = {
    EV_LIFTOFF: "liftoff", EV_WAYPOINT: "waypoint", EV_LEG_END: "leg_end", EV_CLEARANCE: "clearance_violation",
    EV_FUEL_OUT: "fuel_exhausted", EV_CRASH: "crash", EV_TOUCHDOWN: "touchdown", EV_STOPPED: "stopped",
    EV_DEAD_STICK: "dead_stick_landing", EV_SPEED_LIMIT: "speed_limited", EV_MAX_TIME: "max_duration",
    EV_TO_OVERRUN: "takeoff_overrun", EV_OFF_MAP: "left_dem", EV_RWY_DEM: "runway_dem_mismatch",
    EV_CEILING: "ceiling_limited",
}
