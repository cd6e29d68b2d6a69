import DubanTesting
import Foundation
