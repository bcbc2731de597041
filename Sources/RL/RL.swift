import Envs
import TensorModule
